"""Tariffs from a CSV file, upserted by (valid_from, category); bad rows reported by line."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from ekesco_api.tariffs.models import CATEGORIES, Tariff
from ekesco_api.tariffs.service import AnySession

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
    if values["vat_percent"] > 100:
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
