"""Tariff use cases: the tariff in force on a day, the current period, the bill engine, the import.

The engine (`bill_from_tariff`, `split_blocks`, `select_tariff`) is pure: it takes tariff rows
(the `Tariff` model or anything shaped like `TariffRates`) and Decimals, and touches no database,
so bills can be computed for demo data, estimates and tests alike.

Rules the engine applies, with their sources:
- Households pay the first `block_kwh` (800) kWh of the month in block 1 and the rest in block 2,
  each at high and low tariff: bill lines A1/B1, A2/B1, A1/B2, A2/B2 (KESCO, March 2022: "konsumi
  ... ndahet në dy blloqe, 0-800kWh dhe më i lartë se 800kWh dhe në dy intervale ditore").
  A register read gives the month's high and low kWh, not their order in time, so block 1 takes
  its 800 kWh from high and low in the month's own proportion; block 2 gets the rest of each
  (the same proportional split KESCO's published worked example uses).
- Businesses (commercial) have no blocks: lines A1 and A2.
- The fixed monthly fee is added, then VAT on energy plus fee (KESCO: "Fatura përfundimtare do të
  kalkulohet duke shtuar edhe tarifën fikse ... dhe TVSH-në"); the previous balance carries no VAT.
- Every amount is rounded to the cent, ROUND_HALF_UP, line by line; the total is the sum of the
  lines, so it always adds up.
- A billing period that spans two tariffs is priced whole with the tariff in force on its first
  day. (KESCO split the February 2022 bills at the decision date by daily average instead; the
  CIS bills stay authoritative, this engine is for estimates and demo data.)
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol, TypeVar

from flask_babel import LazyString
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, scoped_session

from ekesco_api.clock import ZONE, ZONE_NAME, local_today
from ekesco_api.i18n import _l
from ekesco_api.tariffs import periods
from ekesco_api.tariffs.errors import TariffNotFound
from ekesco_api.tariffs.models import CATEGORIES, Tariff
from ekesco_api.types import utcnow

CENT = Decimal("0.01")
# Register reads have three decimals; splitting on that grid keeps every block part >= 0.
KWH_QUANTUM = Decimal("0.001")
ZERO = Decimal("0")
HUNDRED = Decimal("100")

# Routes and commands pass Flask-SQLAlchemy's scoped session; tests pass a plain one.
AnySession = Session | scoped_session[Any]


class TariffRates(Protocol):
    """What the engine needs of a tariff row; the `Tariff` model satisfies it."""

    @property
    def category(self) -> str: ...
    @property
    def valid_from(self) -> dt.date: ...
    @property
    def valid_to(self) -> dt.date | None: ...
    @property
    def price_high(self) -> Decimal: ...
    @property
    def price_low(self) -> Decimal: ...
    @property
    def block_kwh(self) -> Decimal | None: ...
    @property
    def price_high_above(self) -> Decimal | None: ...
    @property
    def price_low_above(self) -> Decimal | None: ...
    @property
    def fixed_fee(self) -> Decimal: ...
    @property
    def vat_percent(self) -> Decimal: ...


# ---------------------------------------------------------------------------------------------
# Which tariff is in force


def _covers(tariff: TariffRates, day: dt.date) -> bool:
    return tariff.valid_from <= day and (tariff.valid_to is None or day <= tariff.valid_to)


T = TypeVar("T", bound=TariffRates)


def select_tariff(rows: Iterable[T], *, category: str, on: dt.date) -> T:
    """The row of `category` in force on `on`; the latest `valid_from` wins should two overlap."""
    matching = [row for row in rows if row.category == category and _covers(row, on)]
    if not matching:
        raise TariffNotFound()
    return max(matching, key=lambda row: row.valid_from)


def tariffs_on(session: AnySession, *, on: dt.date) -> list[Tariff]:
    """Every category's tariff in force on a day, households first."""
    rows = session.scalars(
        select(Tariff).where(
            Tariff.valid_from <= on, or_(Tariff.valid_to.is_(None), Tariff.valid_to >= on)
        )
    ).all()
    found: list[Tariff] = []
    for category in CATEGORIES:
        try:
            found.append(select_tariff(rows, category=category, on=on))
        except TariffNotFound:
            continue
    return found


def tariff_on(session: AnySession, *, category: str, on: dt.date) -> Tariff:
    """The tariff of one category in force on a day; `TariffNotFound` when there is none."""
    return select_tariff(tariffs_on(session, on=on), category=category, on=on)


# ---------------------------------------------------------------------------------------------
# GET /tariffs and GET /tariffs/now


@dataclass(frozen=True)
class HoursView:
    from_: str
    to: str


@dataclass(frozen=True)
class PeriodsView:
    high: HoursView
    low: HoursView
    zone: str = ZONE_NAME


@dataclass(frozen=True)
class BlockView:
    block: int
    from_kwh: Decimal
    up_to_kwh: Decimal | None
    price_high: Decimal
    price_low: Decimal


@dataclass(frozen=True)
class DecisionView:
    number: str
    date: dt.date
    title: str
    url: str | None


@dataclass(frozen=True)
class TariffView:
    category: str
    valid_from: dt.date
    valid_to: dt.date | None
    blocks: tuple[BlockView, ...]
    fixed_fee: Decimal
    vat_percent: Decimal
    decision: DecisionView
    note: str | None
    currency: str = "EUR"


@dataclass(frozen=True)
class TariffDay:
    on: dt.date
    periods: PeriodsView
    tariffs: tuple[TariffView, ...]
    zone: str = ZONE_NAME


@dataclass(frozen=True)
class PeriodNow:
    period: str
    until: dt.datetime  # local time, with its offset
    until_utc: dt.datetime
    zone: str = ZONE_NAME


def periods_on(day: dt.date) -> PeriodsView:
    """The high and low hours of a day, local wall-clock time."""
    high_from, high_until = periods.high_hours_on(day)
    next_from = periods.high_hours_on(day + dt.timedelta(days=1))[0]
    return PeriodsView(
        high=HoursView(from_=f"{high_from:%H:%M}", to=f"{high_until:%H:%M}"),
        low=HoursView(from_=f"{high_until:%H:%M}", to=f"{next_from:%H:%M}"),
    )


def tariff_view(tariff: Tariff) -> TariffView:
    """A tariff row as clients see it: blocks with their limits, the decision as a citation."""
    if tariff.block_kwh is not None:
        assert tariff.price_high_above is not None and tariff.price_low_above is not None
        blocks: tuple[BlockView, ...] = (
            BlockView(1, ZERO, tariff.block_kwh, tariff.price_high, tariff.price_low),
            BlockView(2, tariff.block_kwh, None, tariff.price_high_above, tariff.price_low_above),
        )
    else:
        blocks = (BlockView(1, ZERO, None, tariff.price_high, tariff.price_low),)
    return TariffView(
        category=tariff.category,
        valid_from=tariff.valid_from,
        valid_to=tariff.valid_to,
        blocks=blocks,
        fixed_fee=tariff.fixed_fee,
        vat_percent=tariff.vat_percent,
        decision=DecisionView(
            number=tariff.decision_number,
            date=tariff.decision_date,
            title=tariff.decision_title,
            url=tariff.source_url,
        ),
        note=tariff.note,
    )


def tariff_day(
    session: AnySession, *, on: dt.date | None = None, now: dt.datetime | None = None
) -> TariffDay:
    """The tariffs in force on a day (today in Kosovo by default) with that day's periods."""
    day = on or local_today(now or utcnow())
    found = tariffs_on(session, on=day)
    if not found:
        raise TariffNotFound()
    return TariffDay(on=day, periods=periods_on(day), tariffs=tuple(tariff_view(t) for t in found))


def current_period(now: dt.datetime | None = None) -> PeriodNow:
    """The period now and when it ends, in local time and in UTC."""
    instant = now or utcnow()
    period, until_utc = periods.period_at(instant)
    return PeriodNow(period=period, until=until_utc.astimezone(ZONE), until_utc=until_utc)


# ---------------------------------------------------------------------------------------------
# The bill engine


@dataclass(frozen=True)
class BillLine:
    """One line of a bill. `code` is stable (A1/B1 ... for energy); `label` is translated."""

    code: str
    label: str | LazyString
    quantity: Decimal | None
    unit: str | None
    unit_price: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class BillLines:
    """A computed bill: its lines, the tariff used, and the sums the CIS bill also carries."""

    category: str
    tariff: TariffRates
    lines: tuple[BillLine, ...]
    energy_amount: Decimal
    fixed_fee: Decimal
    vat_amount: Decimal
    previous_balance: Decimal
    total: Decimal
    kwh_high: Decimal = field(default=ZERO)
    kwh_low: Decimal = field(default=ZERO)


@dataclass(frozen=True)
class BlockSplit:
    """The month's high and low kWh divided between block 1 and block 2."""

    block1_high: Decimal
    block1_low: Decimal
    block2_high: Decimal
    block2_low: Decimal


def money(value: Decimal) -> Decimal:
    """Round to the cent, half up (the line-level rule)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _kwh(value: Decimal | int | str, name: str) -> Decimal:
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{name} must be a finite, non-negative number of kWh")
    return amount.quantize(KWH_QUANTUM, rounding=ROUND_HALF_UP)


def split_blocks(kwh_high: Decimal, kwh_low: Decimal, block_kwh: Decimal) -> BlockSplit:
    """Put the first `block_kwh` of the month in block 1, high and low in the month's proportion.

    Up to the limit everything is block 1. Above it, block 1's high part is
    `block_kwh × high / (high + low)` rounded half up to 0.001 kWh, its low part is the rest of
    `block_kwh`, and block 2 takes what remains of each, so every part is non-negative and the
    four parts add up to the reads exactly.
    """
    high, low = _kwh(kwh_high, "kwh_high"), _kwh(kwh_low, "kwh_low")
    total = high + low
    if total <= block_kwh:
        return BlockSplit(high, low, ZERO, ZERO)
    block1_high = (block_kwh * high / total).quantize(KWH_QUANTUM, rounding=ROUND_HALF_UP)
    block1_low = block_kwh - block1_high
    return BlockSplit(block1_high, block1_low, high - block1_high, low - block1_low)


def _energy_line(code: str, label: str | LazyString, kwh: Decimal, price: Decimal) -> BillLine:
    return BillLine(code, label, kwh, "kWh", price, money(kwh * price))


def bill_from_tariff(
    tariff: TariffRates,
    *,
    kwh_high: Decimal,
    kwh_low: Decimal,
    previous_balance: Decimal = ZERO,
) -> BillLines:
    """The lines of a monthly bill under one tariff (pure: no database, no clock)."""
    high, low = _kwh(kwh_high, "kwh_high"), _kwh(kwh_low, "kwh_low")
    balance = Decimal(previous_balance)
    if not balance.is_finite():
        raise ValueError("previous_balance must be a finite amount")
    balance = money(balance)

    energy: list[BillLine] = []
    if tariff.block_kwh is not None:
        if tariff.price_high_above is None or tariff.price_low_above is None:
            raise ValueError("a tariff with blocks needs the prices above the block")
        limit = tariff.block_kwh
        parts = split_blocks(high, low, limit)
        shown = f"{limit.normalize():f}"  # "800", not "800.00"
        energy += [
            _energy_line(
                "A1/B1",
                _l("Energy, high tariff, first %(limit)s kWh", limit=shown),
                parts.block1_high,
                tariff.price_high,
            ),
            _energy_line(
                "A2/B1",
                _l("Energy, low tariff, first %(limit)s kWh", limit=shown),
                parts.block1_low,
                tariff.price_low,
            ),
            _energy_line(
                "A1/B2",
                _l("Energy, high tariff, above %(limit)s kWh", limit=shown),
                parts.block2_high,
                tariff.price_high_above,
            ),
            _energy_line(
                "A2/B2",
                _l("Energy, low tariff, above %(limit)s kWh", limit=shown),
                parts.block2_low,
                tariff.price_low_above,
            ),
        ]
    else:
        energy += [
            _energy_line("A1", _l("Energy, high tariff"), high, tariff.price_high),
            _energy_line("A2", _l("Energy, low tariff"), low, tariff.price_low),
        ]
    energy_amount = sum((line.amount for line in energy), ZERO)
    fee = money(tariff.fixed_fee)
    fee_line = BillLine("fixed_fee", _l("Fixed monthly fee"), Decimal(1), "month", fee, fee)
    taxable = energy_amount + fee
    vat_amount = money(taxable * tariff.vat_percent / HUNDRED)
    vat_line = BillLine(
        "vat",
        _l("VAT %(percent)s%%", percent=f"{tariff.vat_percent.normalize():f}"),
        taxable,
        "EUR",
        tariff.vat_percent / HUNDRED,
        vat_amount,
    )
    balance_line = BillLine("previous_balance", _l("Previous balance"), None, None, None, balance)
    lines = (*energy, fee_line, vat_line, balance_line)
    return BillLines(
        category=tariff.category,
        tariff=tariff,
        lines=lines,
        energy_amount=energy_amount,
        fixed_fee=fee,
        vat_amount=vat_amount,
        previous_balance=balance,
        total=sum((line.amount for line in lines), ZERO),
        kwh_high=high,
        kwh_low=low,
    )


def compute_bill(
    source: AnySession | Iterable[TariffRates],
    *,
    category: str,
    period_start: dt.date,
    kwh_high: Decimal,
    kwh_low: Decimal,
    previous_balance: Decimal = ZERO,
) -> BillLines:
    """A bill for one month's reads, priced by the tariff in force on the period's first day.

    `source` is a session (the tariff is looked up) or the tariff rows themselves (pure).
    Raises `TariffNotFound` when no tariff of that category covers `period_start`.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    if isinstance(source, Session | scoped_session):
        tariff: TariffRates = tariff_on(source, category=category, on=period_start)
    else:
        tariff = select_tariff(source, category=category, on=period_start)
    return bill_from_tariff(
        tariff, kwh_high=kwh_high, kwh_low=kwh_low, previous_balance=previous_balance
    )


# ---------------------------------------------------------------------------------------------
# Import: tariffs from a CSV file, upserted by (valid_from, category)

CSV_COLUMNS = (
    "valid_from",
    "valid_to",
    "category",
    "block_kwh",
    "price_high",
    "price_low",
    "price_high_above",
    "price_low_above",
    "fixed_fee",
    "vat_percent",
    "decision_number",
    "decision_date",
    "decision_title",
    "source_url",
    "note",
)
REQUIRED_COLUMNS = frozenset(
    {
        "valid_from",
        "category",
        "price_high",
        "price_low",
        "fixed_fee",
        "vat_percent",
        "decision_number",
        "decision_date",
        "decision_title",
    }
)
# Decimal places each number column holds in the database: more would be rounded silently.
_PLACES = {
    "block_kwh": 2,
    "price_high": 5,
    "price_low": 5,
    "price_high_above": 5,
    "price_low_above": 5,
    "fixed_fee": 2,
    "vat_percent": 2,
}
_TEXT_LIMITS = {"decision_number": 80, "decision_title": 300, "source_url": 300}


class RowError(ValueError):
    """A tariff row that cannot be loaded; the message names the column."""


@dataclass
class ImportReport:
    """What an import did; `errors` are "file:line: message" strings."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.inserted} inserted, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.errors)} rejected"
        )


def _date(value: str, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RowError(f"{column}: not a date (YYYY-MM-DD): {value!r}") from None


def _decimal(value: str, column: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowError(f"{column}: not a number: {value!r}") from None
    if not number.is_finite() or number < 0:
        raise RowError(f"{column}: must be a non-negative number: {value!r}")
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite numbers have an int exponent
    if -exponent > _PLACES[column]:
        raise RowError(f"{column}: at most {_PLACES[column]} decimal places: {value!r}")
    return number


def parse_tariff_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """One CSV row as model values; `RowError` names the first thing wrong with it."""
    raw = {key: (row.get(key) or "").strip() for key in CSV_COLUMNS}
    for column in sorted(REQUIRED_COLUMNS):
        if not raw[column]:
            raise RowError(f"{column}: missing")
    values: dict[str, Any] = {
        "valid_from": _date(raw["valid_from"], "valid_from"),
        "valid_to": _date(raw["valid_to"], "valid_to") if raw["valid_to"] else None,
        "decision_date": _date(raw["decision_date"], "decision_date"),
    }
    category = raw["category"].lower()
    if category not in CATEGORIES:
        raise RowError(f"category: one of {', '.join(CATEGORIES)}, not {raw['category']!r}")
    values["category"] = category
    for column in _PLACES:
        values[column] = _decimal(raw[column], column) if raw[column] else None
    block_columns = ("block_kwh", "price_high_above", "price_low_above")
    given = [values[c] is not None for c in block_columns]
    if any(given) and not all(given):
        raise RowError("block_kwh, price_high_above, price_low_above: give all three or none")
    if values["block_kwh"] is not None and values["block_kwh"] <= 0:
        raise RowError("block_kwh: must be above zero")
    if values["vat_percent"] > HUNDRED:
        raise RowError("vat_percent: at most 100")
    if values["valid_to"] is not None and values["valid_to"] < values["valid_from"]:
        raise RowError("valid_to: before valid_from")
    for column, limit in _TEXT_LIMITS.items():
        if len(raw[column]) > limit:
            raise RowError(f"{column}: at most {limit} characters")
    values["decision_number"] = raw["decision_number"]
    values["decision_title"] = raw["decision_title"]
    values["source_url"] = raw["source_url"] or None
    values["note"] = raw["note"] or None
    return values


def _overlapping(session: AnySession, tariff: Tariff) -> Tariff | None:
    end = tariff.valid_to or dt.date.max
    return session.scalars(
        select(Tariff)
        .where(
            Tariff.category == tariff.category,
            Tariff.id != tariff.id,
            Tariff.valid_from <= end,
            or_(Tariff.valid_to.is_(None), Tariff.valid_to >= tariff.valid_from),
        )
        .limit(1)
    ).first()


def _same(tariff: Tariff, values: Mapping[str, Any]) -> bool:
    return all(getattr(tariff, key) == value for key, value in values.items())


def import_tariff_rows(
    session: AnySession, *, rows: Sequence[tuple[int, Mapping[str, str | None]]], source: str
) -> ImportReport:
    """Upsert tariff rows by (valid_from, category); bad rows are reported and skipped.

    Rows load in order of `valid_from`, so one file can close an open-ended tariff (give its
    `valid_to`) and add its successor. A row whose dates overlap another tariff of the same
    category is rejected. Loading the same file twice changes nothing the second time.
    """
    report = ImportReport()
    parsed: list[tuple[int, dict[str, Any]]] = []
    for line, row in rows:
        try:
            parsed.append((line, parse_tariff_row(row)))
        except RowError as error:
            report.errors.append(f"{source}:{line}: {error}")
    parsed.sort(key=lambda item: (item[1]["valid_from"], item[0]))
    for line, values in parsed:
        existing = session.scalars(
            select(Tariff).where(
                Tariff.valid_from == values["valid_from"], Tariff.category == values["category"]
            )
        ).first()
        if existing is not None and _same(existing, values):
            report.unchanged += 1
            continue
        savepoint = session.begin_nested()
        tariff = existing or Tariff()
        for key, value in values.items():
            setattr(tariff, key, value)
        session.add(tariff)
        session.flush()
        clash = _overlapping(session, tariff)
        if clash is not None:
            savepoint.rollback()
            report.errors.append(
                f"{source}:{line}: dates overlap the {clash.category} tariff valid from "
                f"{clash.valid_from} to {clash.valid_to or 'open end'}"
            )
            continue
        savepoint.commit()
        if existing is None:
            report.inserted += 1
        else:
            report.updated += 1
    session.commit()
    return report


def import_tariffs_csv(session: AnySession, *, path: Path) -> ImportReport:
    """Load a tariffs CSV (UTF-8, header row, the columns in `CSV_COLUMNS`)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = set(reader.fieldnames or ())
        missing = sorted(REQUIRED_COLUMNS - header)
        if missing:
            raise ValueError(f"{path.name}: missing columns: {', '.join(missing)}")
        rows = [(reader.line_num, row) for row in reader]
    return import_tariff_rows(session, rows=rows, source=path.name)
