"""Parsers for the fields of the CIS export; each raises `BadValue` with a reason code.

Strict on purpose: a value we cannot read exactly (a float-ish amount, a time without an offset)
rejects its row rather than being guessed, because bills and payments are money.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, TypeVar

from flask_babel import LazyString

from ekesco_api.disconnection.refusals import REFUSALS
from ekesco_api.i18n import _l, language

# Every reason a row can be rejected for; the code is stable (stored in ImportRun.summary),
# the English text is a msgid so a support console can show it in sq or sr.
REASONS: dict[str, LazyString] = {
    "not_utf8": _l("The line is not valid UTF-8 (byte %(position)s)."),
    "csv_syntax": _l("The line is not valid CSV: %(detail)s."),
    "column_count": _l("Expected %(expected)s fields, found %(found)s."),
    "missing_columns": _l("The header lacks the columns: %(columns)s."),
    "duplicate_columns": _l("The header names a column twice: %(columns)s."),
    "file_unreadable": _l("The file could not be read: %(detail)s."),
    "file_empty": _l("The file is empty: it has no header row."),
    "database_error": _l("The database refused the file; nothing of it was saved: %(detail)s."),
    "required": _l("%(field)s is required."),
    "too_long": _l("%(field)s is longer than %(limit)s characters."),
    "bad_date": _l("%(field)s is not a date YYYY-MM-DD: %(value)s."),
    "bad_period": _l("%(field)s is not a month YYYY-MM: %(value)s."),
    "bad_timestamp": _l("%(field)s is not an ISO 8601 time with an offset: %(value)s."),
    "bad_decimal": _l("%(field)s is not a decimal number: %(value)s."),
    "too_many_places": _l("%(field)s has more than %(places)s decimal places: %(value)s."),
    "out_of_range": _l("%(field)s is out of range: %(value)s."),
    "bad_choice": _l("%(field)s must be one of %(choices)s: %(value)s."),
    "bad_personal_number": _l("%(field)s must be 10 digits or empty: %(value)s."),
    "unknown_customer_code": _l("Unknown customer code %(value)s (not in the customers)."),
    "unknown_meter_number": _l("Unknown meter number %(value)s."),
    "duplicate_key": _l("%(field)s %(value)s appears already on line %(first_line)s."),
    "due_before_issue": _l("due_on %(due_on)s is before issued_on %(issued_on)s."),
    "bill_does_not_add_up": _l(
        "The bill does not add up: %(energy_amount)s + %(fixed_fee)s + %(vat_amount)s"
        " + %(previous_balance)s = %(expected)s, not %(total)s."
    ),
    "neighbourhood_without_locality": _l("A neighbourhood needs its locality."),
    # disconnections.csv: events the ERO rule forbids, by article.
    **REFUSALS,
}


def render_reason(code: str, params: dict[str, Any], lang: str = "en") -> str:
    """The reason in a language: English for the operator's terminal, sq/sr for support."""
    with language(lang):
        return str(REASONS[code]) % params


class BadValue(Exception):
    """A field (or a whole row) that cannot be taken as it is."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_DECIMAL = re.compile(r"(-?)(\d+)(?:\.(\d+))?")
_CENT = Decimal("0.01")
_PERSONAL_NUMBER = re.compile(r"\d{10}")


def text(row: dict[str, str], field: str, limit: int, *, required: bool = True) -> str:
    value = row[field]
    if required and not value:
        raise BadValue("required", field=field)
    if len(value) > limit:
        raise BadValue("too_long", field=field, limit=limit)
    return value


def date(row: dict[str, str], field: str) -> dt.date:
    value = row[field]
    known = _DATES.get(value)
    if known is not None:
        return known
    if not _DATE.fullmatch(value):
        raise BadValue("bad_date", field=field, value=value)
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise BadValue("bad_date", field=field, value=value) from None
    return _remember(_DATES, value, parsed)


def period(row: dict[str, str], field: str) -> str:
    value = row[field]
    if not _PERIOD.fullmatch(value):
        raise BadValue("bad_period", field=field, value=value)
    return value


def timestamp(row: dict[str, str], field: str) -> dt.datetime:
    """ISO 8601 with an offset (`Z` or `+01:00`), returned in UTC; a time without one is refused."""
    value = row[field]
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise BadValue("bad_timestamp", field=field, value=value) from None
    if parsed.utcoffset() is None:
        raise BadValue("bad_timestamp", field=field, value=value)
    return parsed.astimezone(dt.UTC)


def decimal(
    row: dict[str, str], field: str, *, places: int, digits: int, signed: bool = False
) -> Decimal:
    """A plain decimal (`12.30`, `-4`), at most `places` decimals and `digits` digits in all.

    No exponents, no thousands separators, no NaN: what the CIS writes is a plain number.
    Checked on the text (the import reads hundreds of thousands of them), then made exact.
    Negative only when `signed`.
    """
    value = row[field]
    key = (value, places, digits, signed)
    known = _DECIMALS.get(key)
    if known is not None:
        return known
    match = _DECIMAL.fullmatch(value)
    if match is None:
        raise BadValue("bad_decimal", field=field, value=value)
    sign, whole, fraction = match.groups()
    if fraction and len(fraction) > places:
        raise BadValue("too_many_places", field=field, places=places, value=value)
    number = Decimal(value)
    if len(whole.lstrip("0")) > digits - places or (sign and not signed and number != 0):
        raise BadValue("out_of_range", field=field, value=value)
    return _remember(_DECIMALS, key, number)


def money(row: dict[str, str], field: str, *, signed: bool = False) -> Decimal:
    """EUR with at most two places, fitting Numeric(12, 2); quantized so it prints `12.30`."""
    known = _MONEY[signed].get(row[field])
    if known is not None:
        return known
    amount = decimal(row, field, places=2, digits=12, signed=signed).quantize(_CENT)
    return _remember(_MONEY[signed], row[field], amount)


# What was read already, by the text read. An export repeats the same few thousand amounts,
# dates and kWh millions of times, and reading one again costs a dict lookup instead of a
# regular expression, a Decimal and a quantize (half of the time of a bills row). Only values
# that passed are kept; each table is emptied when full, so memory stays bounded.
_REMEMBERED = 100_000
_DATES: dict[str, dt.date] = {}
_DECIMALS: dict[tuple[str, int, int, bool], Decimal] = {}
_MONEY: dict[bool, dict[str, Decimal]] = {False: {}, True: {}}

_V = TypeVar("_V")
_K = TypeVar("_K")


def _remember(table: dict[_K, _V], key: _K, value: _V) -> _V:
    if len(table) >= _REMEMBERED:
        table.clear()
    table[key] = value
    return value


def choice(row: dict[str, str], field: str, choices: tuple[str, ...]) -> str:
    value = row[field].lower()
    if value not in choices:
        raise BadValue("bad_choice", field=field, choices="|".join(choices), value=row[field])
    return value


def personal_number(row: dict[str, str], field: str) -> str | None:
    value = row[field]
    if not value:
        return None
    if not _PERSONAL_NUMBER.fullmatch(value):
        raise BadValue("bad_personal_number", field=field, value=value)
    return value
