"""Import the CIS export (a directory of CSV files) with idempotent, set-based upserts.

Each file is one transaction: it loads completely or, on a database fault, not at all. Rows are
matched on the CIS's natural keys (customer code and meter number ignoring case and spaces, bill
number, payment reference, meter + read time); the stored values are read once per file into a
dict, each row is compared with them in Python, and only new or changed rows are written, in
batches. Running the same export twice therefore writes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from ekesco_api.areas.models import Area
from ekesco_api.bills.models import Bill
from ekesco_api.cis_import import parsing as p
from ekesco_api.cis_import.areas import AreaTree, address_path, path_key
from ekesco_api.cis_import.holder_names import rematch_holder_names
from ekesco_api.cis_import.models import ImportRun
from ekesco_api.cis_import.parsing import BadValue, render_reason
from ekesco_api.cis_import.reader import CsvSource, FileProblem
from ekesco_api.clock import local_date
from ekesco_api.keys import identifier_key
from ekesco_api.meters.models import (
    CATEGORIES,
    READING_MODES,
    TARIFF_TYPES,
    Meter,
    Reading,
    SupplyPoint,
)
from ekesco_api.payments.models import CisPayment
from ekesco_api.types import utcnow

# Rows written per statement: large enough to amortise round trips, small enough for memory.
BATCH = 2000
# Rejected rows kept per file in ImportRun.summary (all of them are counted and printed).
STORED_ERRORS = 500

CUSTOMER_COLUMNS = (
    "customer_code",
    "first_name",
    "last_name",
    "personal_number",
    "street",
    "city",
    "locality",
    "neighbourhood",
    "category",
)
METER_COLUMNS = ("meter_number", "customer_code", "reading_mode", "tariff_type")
BILL_COLUMNS = (
    "bill_number",
    "customer_code",
    "period",
    "issued_on",
    "due_on",
    "kwh_high",
    "kwh_low",
    "energy_amount",
    "fixed_fee",
    "vat_amount",
    "previous_balance",
    "total",
)
PAYMENT_COLUMNS = ("reference", "customer_code", "amount", "paid_at", "channel")
READING_COLUMNS = ("meter_number", "read_at", "kwh_high_total", "kwh_low_total")
AREA_COLUMNS = ("city", "locality", "neighbourhood")
AREA_OPTIONAL_COLUMNS = ("name_sr", "name_en")


@dataclass
class RowError:
    """One rejected row (or, with line 0, a whole file) and the reason."""

    file: str
    line: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "en") -> str:
        return render_reason(self.code, self.params, lang)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message()}"


@dataclass
class FileReport:
    """What one file did: rows inserted, updated, unchanged, and the rows rejected."""

    file: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    areas_inserted: int = 0
    seconds: float = 0.0
    errors: list[RowError] = field(default_factory=list)
    # Set when the file could not be used at all (unreadable, header, database fault).
    failure: RowError | None = None

    @property
    def rejected(self) -> int:
        return len(self.errors)

    def as_json(self) -> dict[str, Any]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "areas_inserted": self.areas_inserted,
            "seconds": self.seconds,
            "failure": _error_json(self.failure) if self.failure else None,
            "errors": [_error_json(error) for error in self.errors[:STORED_ERRORS]],
        }


def _error_json(error: RowError) -> dict[str, Any]:
    return {
        "line": error.line,
        "code": error.code,
        "params": {k: str(v) for k, v in error.params.items()},
        "message": error.message(),
    }


@dataclass
class ImportSummary:
    """The outcome of one import: a report per file found, and the ImportRun that records it."""

    directory: str
    run_id: int | None = None
    started_at: dt.datetime = field(default_factory=utcnow)
    finished_at: dt.datetime | None = None
    files: list[FileReport] = field(default_factory=list)

    @property
    def failed_files(self) -> list[FileReport]:
        return [report for report in self.files if report.failure is not None]

    @property
    def error_count(self) -> int:
        return sum(r.rejected + (1 if r.failure else 0) for r in self.files)

    def report(self, file: str) -> FileReport:
        return next(r for r in self.files if r.file == file)

    def as_json(self) -> dict[str, Any]:
        return {"files": {r.file: r.as_json() for r in self.files}}


def import_directory(session: Session, directory: str | Path) -> ImportSummary:
    """Load whichever of the export's files are in `directory`, in dependency order.

    Files: areas.csv (names of places in sr/en), customers.csv, meters.csv, bills.csv,
    payments.csv, readings.csv; each optional. Bad rows are reported and skipped; a file that
    cannot be read at all is reported in `failed_files` and the others still load.
    """
    directory = Path(directory)
    summary = ImportSummary(directory=str(directory))
    run = ImportRun(directory=str(directory)[:500], started_at=summary.started_at, summary={})
    session.add(run)
    session.commit()
    summary.run_id = run.id

    for name, loader in _LOADERS:
        path = directory / name
        if not path.exists():
            continue
        report = FileReport(file=name)
        summary.files.append(report)
        started = time.perf_counter()
        _load_file(session, path, report, loader)
        report.seconds = round(time.perf_counter() - started, 3)

    summary.finished_at = utcnow()
    run.finished_at = summary.finished_at
    run.error_count = summary.error_count
    run.summary = summary.as_json()
    session.commit()
    return summary


Loader = Callable[[Session, CsvSource, FileReport], None]


def _load_file(session: Session, path: Path, report: FileReport, loader: Loader) -> None:
    required, optional = _COLUMNS[path.name]
    try:
        with CsvSource(path, required, optional) as source:
            loader(session, source, report)
            session.commit()
    except FileProblem as problem:
        session.rollback()
        report.failure = RowError(report.file, problem.line, problem.code, problem.params)
    except OSError as exc:
        session.rollback()
        report.inserted = report.updated = report.unchanged = report.areas_inserted = 0
        detail = exc.strerror or str(exc)
        report.failure = RowError(report.file, 0, "file_unreadable", {"detail": detail})
    except SQLAlchemyError as exc:
        session.rollback()
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
        report.inserted = report.updated = report.unchanged = report.areas_inserted = 0
        report.failure = RowError(report.file, 0, "database_error", {"detail": detail})
    except BaseException:
        session.rollback()
        raise
    else:
        report.errors = [
            RowError(report.file, problem.line, problem.code, problem.params)
            for problem in sorted(source.problems, key=lambda problem: problem.line)
        ]


class _Upserter:
    """Compares rows with the stored ones and writes the new and changed ones in batches."""

    def __init__(
        self,
        session: Session,
        table: Table,
        columns: tuple[str, ...],
        existing: dict[Hashable, tuple[int, tuple[Any, ...]]],
        report: FileReport,
    ) -> None:
        self.session = session
        self.table = table
        self.columns = columns
        self.existing = existing
        self.report = report
        self.inserts: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.update_statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({name: bindparam("b_" + name) for name in columns})
        )

    def put(self, key: Hashable, values: dict[str, Any]) -> None:
        stored = self.existing.get(key)
        if stored is None:
            self.inserts.append(values)
            self.report.inserted += 1
            if len(self.inserts) >= BATCH:
                self._flush_inserts()
            return
        row_id, old = stored
        if tuple(values[name] for name in self.columns) == old:
            self.report.unchanged += 1
            return
        self.updates.append({"b_id": row_id, **{"b_" + c: values[c] for c in self.columns}})
        self.report.updated += 1
        if len(self.updates) >= BATCH:
            self._flush_updates()

    def _flush_inserts(self) -> None:
        if self.inserts:
            connection = self.session.connection()
            dialect = connection.dialect
            if dialect.name == "postgresql" and dialect.driver == "psycopg":
                _copy_rows(connection, self.table, self.inserts)
            else:
                self.session.execute(self.table.insert(), self.inserts)
            self.inserts = []

    def _flush_updates(self) -> None:
        if self.updates:
            self.session.execute(self.update_statement, self.updates)
            self.updates = []

    def finish(self) -> None:
        self._flush_inserts()
        self._flush_updates()


def _copy_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY: ten times the speed of executemany, in the same transaction.

    The rows carry every column but the id (loaders set Python-side defaults themselves),
    and values are already what the columns hold (aware UTC datetimes, Decimals).
    """
    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    driver_connection: Any = connection.connection.driver_connection
    dbapi: Any = connection.dialect.loaded_dbapi
    try:
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in columns])
    except dbapi.Error as exc:
        # Raised past SQLAlchemy: wrap it as SQLAlchemy would (IntegrityError, ...).
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc


def _existing(
    session: Session, model: Any, key: str, columns: tuple[str, ...]
) -> dict[Hashable, tuple[int, tuple[Any, ...]]]:
    """Stored rows as key → (id, values of `columns`), read in one query."""
    table = model.__table__
    statement = select(table.c.id, table.c[key], *(table.c[c] for c in columns))
    # Core rows: the ORM's per-row bookkeeping is not needed for plain values.
    rows = session.connection().execute(statement)
    return {row[1]: (row[0], tuple(row[2:])) for row in rows}


def _duplicate(
    seen: dict[Hashable, int], key: Hashable, line: int, field: str, value: str
) -> BadValue | None:
    """A key met before in this file: the later row is the one rejected."""
    first = seen.get(key)
    if first is not None:
        return BadValue("duplicate_key", field=field, value=value, first_line=first)
    seen[key] = line
    return None


def _supply_point_ids(session: Session) -> dict[str, int]:
    rows = session.connection().execute(select(SupplyPoint.code_key, SupplyPoint.id))
    return {code_key: supply_point_id for code_key, supply_point_id in rows}


def _customer(codes: dict[str, int], row: dict[str, str]) -> int:
    code = p.text(row, "customer_code", 32)
    supply_point_id = codes.get(identifier_key(code))
    if supply_point_id is None:
        raise BadValue("unknown_customer_code", value=code)
    return supply_point_id


# --- areas.csv -------------------------------------------------------------------------------


def _load_areas(session: Session, source: CsvSource, report: FileReport) -> None:
    """Names of places: one row per node, its path in city/locality/neighbourhood.

    The deepest non-empty column names the node in Albanian; name_sr and name_en translate it.
    Missing ancestors are created under the names the row gives them.
    """
    tree = AreaTree(session)
    seen: dict[Hashable, int] = {}
    rows: list[tuple[int, tuple[str, ...], str | None, str | None]] = []
    for line, row in source:
        try:
            city = p.text(row, "city", 120)
            locality = p.text(row, "locality", 120, required=False)
            neighbourhood = p.text(row, "neighbourhood", 120, required=False)
            if neighbourhood and not locality:
                raise BadValue("neighbourhood_without_locality")
            path = tuple(part for part in (city, locality, neighbourhood) if part)
            name_sr = p.text(row, "name_sr", 120, required=False) or None
            name_en = p.text(row, "name_en", 120, required=False) or None
            duplicate = _duplicate(seen, path_key(path), line, "area", " / ".join(path))
            if duplicate:
                raise duplicate
        except BadValue as problem:
            source.reject(line, problem)
            continue
        rows.append((line, path, name_sr, name_en))

    for _line, path, name_sr, name_en in sorted(rows, key=lambda r: len(r[1])):
        existed = path_key(path) in tree.by_key
        before = tree.inserted
        area = tree.ensure(path)
        new_values = (path[-1], name_sr, name_en)
        if not existed:
            area.name_sr, area.name_en = name_sr, name_en
            report.inserted += 1
            report.areas_inserted += tree.inserted - before - 1
        elif (area.name, area.name_sr, area.name_en) == new_values:
            report.unchanged += 1
        else:
            area.name, area.name_sr, area.name_en = new_values
            report.updated += 1
        session.flush()


# --- customers.csv ---------------------------------------------------------------------------

_SUPPLY_POINT_VALUES = (*CUSTOMER_COLUMNS, "area_id")
_FIRST_NAME = _SUPPLY_POINT_VALUES.index("first_name")
_LAST_NAME = _SUPPLY_POINT_VALUES.index("last_name")


def _load_customers(session: Session, source: CsvSource, report: FileReport) -> None:
    seen: dict[Hashable, int] = {}
    parsed: list[tuple[str, dict[str, Any], tuple[str, ...]]] = []
    for line, row in source:
        try:
            code = p.text(row, "customer_code", 32)
            key = identifier_key(code)
            if not key:
                raise BadValue("required", field="customer_code")
            values: dict[str, Any] = {
                "customer_code": code,
                "code_key": key,
                "first_name": p.text(row, "first_name", 120),
                "last_name": p.text(row, "last_name", 120),
                "personal_number": p.personal_number(row, "personal_number"),
                "street": p.text(row, "street", 200, required=False),
                "city": p.text(row, "city", 120),
                "locality": p.text(row, "locality", 120),
                "neighbourhood": p.text(row, "neighbourhood", 120, required=False),
                "category": p.choice(row, "category", CATEGORIES),
            }
            duplicate = _duplicate(seen, key, line, "customer_code", code)
            if duplicate:
                raise duplicate
        except BadValue as problem:
            source.reject(line, problem)
            continue
        path = address_path(values["city"], values["locality"], values["neighbourhood"])
        parsed.append((key, values, path))

    tree = AreaTree(session)
    area_ids = tree.ensure_all(path for _key, _values, path in parsed)
    report.areas_inserted = tree.inserted

    existing = _existing(session, SupplyPoint, "code_key", _SUPPLY_POINT_VALUES)
    upserter = _Upserter(
        session,
        SupplyPoint.__table__,  # type: ignore[arg-type]
        _SUPPLY_POINT_VALUES,
        existing,
        report,
    )
    renamed: list[int] = []
    now = utcnow()
    for key, values, path in parsed:
        values["area_id"] = area_ids[path_key(path)]
        values["updated_at"] = now  # written on insert; updates set it through onupdate
        stored = existing.get(key)
        if stored is not None and _holder(stored[1]) != (values["first_name"], values["last_name"]):
            renamed.append(stored[0])
        upserter.put(key, values)
    upserter.finish()
    # Registration compared the account's name with the holder's once; a new holder name
    # would otherwise leave names masked or, worse, shown.
    rematch_holder_names(session, renamed)


def _holder(stored: tuple[Any, ...]) -> tuple[Any, Any]:
    return stored[_FIRST_NAME], stored[_LAST_NAME]


# --- meters.csv ------------------------------------------------------------------------------

_METER_VALUES = ("meter_number", "supply_point_id", "reading_mode", "tariff_type")


def _load_meters(session: Session, source: CsvSource, report: FileReport) -> None:
    codes = _supply_point_ids(session)
    seen: dict[Hashable, int] = {}
    upserter = _Upserter(
        session,
        Meter.__table__,  # type: ignore[arg-type]
        _METER_VALUES,
        _existing(session, Meter, "number_key", _METER_VALUES),
        report,
    )
    for line, row in source:
        try:
            number = p.text(row, "meter_number", 32)
            key = identifier_key(number)
            if not key:
                raise BadValue("required", field="meter_number")
            values = {
                "meter_number": number,
                "number_key": key,
                "supply_point_id": _customer(codes, row),
                "reading_mode": p.choice(row, "reading_mode", READING_MODES),
                "tariff_type": p.choice(row, "tariff_type", TARIFF_TYPES),
            }
            duplicate = _duplicate(seen, key, line, "meter_number", number)
            if duplicate:
                raise duplicate
        except BadValue as problem:
            source.reject(line, problem)
            continue
        upserter.put(key, values)
    upserter.finish()


# --- bills.csv -------------------------------------------------------------------------------

_BILL_VALUES = (
    "supply_point_id",
    "period",
    "issued_on",
    "due_on",
    "kwh_high",
    "kwh_low",
    "energy_amount",
    "fixed_fee",
    "vat_amount",
    "previous_balance",
    "total",
)


def _load_bills(session: Session, source: CsvSource, report: FileReport) -> None:
    codes = _supply_point_ids(session)
    seen: dict[Hashable, int] = {}
    upserter = _Upserter(
        session,
        Bill.__table__,  # type: ignore[arg-type]
        _BILL_VALUES,
        _existing(session, Bill, "bill_number", _BILL_VALUES),
        report,
    )
    for line, row in source:
        try:
            number = p.text(row, "bill_number", 40)
            values: dict[str, Any] = {
                "bill_number": number,
                "supply_point_id": _customer(codes, row),
                "period": p.period(row, "period"),
                "issued_on": p.date(row, "issued_on"),
                "due_on": p.date(row, "due_on"),
                "kwh_high": p.decimal(row, "kwh_high", places=2, digits=12),
                "kwh_low": p.decimal(row, "kwh_low", places=2, digits=12),
                "energy_amount": p.money(row, "energy_amount"),
                "fixed_fee": p.money(row, "fixed_fee"),
                "vat_amount": p.money(row, "vat_amount"),
                "previous_balance": p.money(row, "previous_balance", signed=True),
                "total": p.money(row, "total", signed=True),
            }
            if values["due_on"] < values["issued_on"]:
                raise BadValue("due_before_issue", due_on=row["due_on"], issued_on=row["issued_on"])
            parts = ("energy_amount", "fixed_fee", "vat_amount", "previous_balance")
            expected = sum((values[name] for name in parts), Decimal("0.00"))
            if expected != values["total"]:
                raise BadValue(
                    "bill_does_not_add_up",
                    expected=expected,
                    **{name: row[name] for name in (*parts, "total")},
                )
            duplicate = _duplicate(seen, number, line, "bill_number", number)
            if duplicate:
                raise duplicate
        except BadValue as problem:
            source.reject(line, problem)
            continue
        upserter.put(number, values)
    upserter.finish()


# --- payments.csv ----------------------------------------------------------------------------

# `paid_on` follows `paid_at` (see CisPayment): the bulk inserts bypass the model that sets it.
_PAYMENT_VALUES = ("supply_point_id", "amount", "paid_at", "paid_on", "channel")


def _load_payments(session: Session, source: CsvSource, report: FileReport) -> None:
    codes = _supply_point_ids(session)
    seen: dict[Hashable, int] = {}
    upserter = _Upserter(
        session,
        CisPayment.__table__,  # type: ignore[arg-type]
        _PAYMENT_VALUES,
        _existing(session, CisPayment, "reference", _PAYMENT_VALUES),
        report,
    )
    for line, row in source:
        try:
            reference = p.text(row, "reference", 64)
            paid_at = p.timestamp(row, "paid_at")
            values = {
                "reference": reference,
                "supply_point_id": _customer(codes, row),
                "amount": p.money(row, "amount"),
                "paid_at": paid_at,
                "paid_on": local_date(paid_at),
                "channel": p.text(row, "channel", 32).lower(),
            }
            if values["amount"] == 0:
                raise BadValue("out_of_range", field="amount", value=row["amount"])
            duplicate = _duplicate(seen, reference, line, "reference", reference)
            if duplicate:
                raise duplicate
        except BadValue as problem:
            source.reject(line, problem)
            continue
        upserter.put(reference, values)
    upserter.finish()


# --- readings.csv ----------------------------------------------------------------------------

_READING_VALUES = ("kwh_high_total", "kwh_low_total")


def _load_readings(session: Session, source: CsvSource, report: FileReport) -> None:
    rows = session.connection().execute(select(Meter.number_key, Meter.id))
    meters = {number_key: meter_id for number_key, meter_id in rows}
    seen: dict[Hashable, int] = {}
    parsed: list[tuple[tuple[int, dt.datetime], dict[str, Any]]] = []
    for line, row in source:
        try:
            number = p.text(row, "meter_number", 32)
            meter_id = meters.get(identifier_key(number))
            if meter_id is None:
                raise BadValue("unknown_meter_number", value=number)
            read_at = p.timestamp(row, "read_at")
            values = {
                "meter_id": meter_id,
                "read_at": read_at,
                "kwh_high_total": p.decimal(row, "kwh_high_total", places=3, digits=14),
                "kwh_low_total": p.decimal(row, "kwh_low_total", places=3, digits=14),
            }
            key = (meter_id, read_at)
            if key in seen:  # spelled out only for the report: most rows are not duplicates
                value = f"{number} {read_at.isoformat()}"
                raise BadValue("duplicate_key", field="reading", value=value, first_line=seen[key])
            seen[key] = line
        except BadValue as problem:
            source.reject(line, problem)
            continue
        parsed.append((key, values))

    upserter = _Upserter(
        session,
        Reading.__table__,  # type: ignore[arg-type]
        _READING_VALUES,
        _existing_readings(session, [key for key, _values in parsed]),
        report,
    )
    for key, values in parsed:
        upserter.put(key, values)
    upserter.finish()


def _existing_readings(
    session: Session, keys: Iterable[tuple[int, dt.datetime]]
) -> dict[Hashable, tuple[int, tuple[Any, ...]]]:
    """Stored reads of the file's meters within the file's time span (readings grow fast)."""
    keys = list(keys)
    if not keys:
        return {}
    meter_ids = sorted({meter_id for meter_id, _ in keys})
    earliest = min(read_at for _, read_at in keys)
    latest = max(read_at for _, read_at in keys)
    existing: dict[Hashable, tuple[int, tuple[Any, ...]]] = {}
    for start in range(0, len(meter_ids), 500):
        statement = select(
            Reading.id,
            Reading.meter_id,
            Reading.read_at,
            Reading.kwh_high_total,
            Reading.kwh_low_total,
        ).where(
            Reading.meter_id.in_(meter_ids[start : start + 500]),
            Reading.read_at.between(earliest, latest),
        )
        for row_id, meter_id, read_at, high, low in session.connection().execute(statement):
            existing[(meter_id, read_at)] = (row_id, (high, low))
    return existing


_LOADERS: tuple[tuple[str, Loader], ...] = (
    ("areas.csv", _load_areas),
    ("customers.csv", _load_customers),
    ("meters.csv", _load_meters),
    ("bills.csv", _load_bills),
    ("payments.csv", _load_payments),
    ("readings.csv", _load_readings),
)

_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "areas.csv": (AREA_COLUMNS, AREA_OPTIONAL_COLUMNS),
    "customers.csv": (CUSTOMER_COLUMNS, ()),
    "meters.csv": (METER_COLUMNS, ()),
    "bills.csv": (BILL_COLUMNS, ()),
    "payments.csv": (PAYMENT_COLUMNS, ()),
    "readings.csv": (READING_COLUMNS, ()),
}


def last_synced_at(session: Session) -> dt.datetime | None:
    """When the latest finished import ended: the `last_synced_at` balances show."""
    return session.scalar(
        select(ImportRun.finished_at)
        .where(ImportRun.finished_at.is_not(None))
        .order_by(ImportRun.finished_at.desc())
        .limit(1)
    )


def area_for(session: Session, city: str, locality: str, neighbourhood: str = "") -> Area | None:
    """The area node of an address, found the way the import files it."""
    key = path_key(address_path(city, locality, neighbourhood))
    return session.scalar(select(Area).where(Area.path_key == key))
