"""One engine for every file of the CIS export: read it, check each row, upsert, count.

A file is described by a `Loader` (its columns, natural key, a row → values function, how it is
written); `load_file` does the rest the same way for all. Each file is one transaction: it loads
completely or, on a database fault, not at all. A row its loader refuses (`BadValue`) is
reported with its file and line and skipped; the rows around it still load.

`Upsert` writes set-based: the stored rows are read once per file into a dict by natural key,
each row is compared with them in Python, and only new or changed rows are written, in batches
(COPY on PostgreSQL). Running the same export twice therefore writes nothing the second time.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, Table, bindparam, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from ekesco_api.cis_import.parsing import BadValue
from ekesco_api.cis_import.reader import CsvSource, FileProblem
from ekesco_api.cis_import.report import FileReport, RowError

# Rows written per statement: large enough to amortise round trips, small enough for memory.
BATCH = 2000

Row = dict[str, str]
"""A CSV row by column name, as `CsvSource` yields it (stripped text)."""
Values = dict[str, Any]
"""A row as its loader made it: column → value to store (or whatever its writer takes)."""
Stored = dict[Hashable, tuple[int, tuple[Any, ...]]]
"""Stored rows by natural key: (id, values of the compared columns)."""


@dataclass(frozen=True)
class NaturalKey:
    """The columns a file's rows are matched on, and how a key met twice is reported.

    `field` names the key in the report; `shown` spells a row's key out for it (by default
    the row's own text of `field`), called only for the duplicate.
    """

    columns: tuple[str, ...]
    field: str
    shown: Callable[[Row, Values], str] | None = None

    def duplicate(self, row: Row, values: Values, first_line: int) -> BadValue:
        value = self.shown(row, values) if self.shown else row[self.field]
        return BadValue("duplicate_key", field=self.field, value=value, first_line=first_line)


class Change(NamedTuple):
    """A stored row a file changed: its id and the compared columns before and after."""

    id: int
    before: dict[str, Any]
    after: Values


Writer = Callable[[Session, NaturalKey, Iterable[tuple[Hashable, Values]], FileReport], None]
"""Writes a file's accepted rows (natural key, values), read as it goes, and counts them."""


@dataclass(frozen=True)
class Upsert:
    """The set-based writer: insert rows whose key is new, update those whose values changed.

    `compared` are the columns that, when they differ from the stored row, are rewritten; the
    other values are written on insert only. `where` narrows the read of stored rows to what
    the file can meet (one statement per clause; by default the whole table). `before` may add
    columns to the rows; `after` sees the changes, in the same transaction.
    """

    table: Table
    compared: tuple[str, ...]
    where: Callable[[Table, list[Any]], list[ColumnElement[bool]]] | None = None
    before: Callable[[Session, list[Values], FileReport], None] | None = None
    after: Callable[[Session, list[Change]], None] | None = None

    def __call__(
        self,
        session: Session,
        key: NaturalKey,
        rows: Iterable[tuple[Hashable, Values]],
        report: FileReport,
    ) -> None:
        if self.before is None and self.where is None:
            # Streamed: each batch is written once read, so a large file never piles up in memory.
            stored = _stored_rows(session, self.table, key.columns, self.compared, [None])
        else:
            rows = list(rows)  # the hooks need the whole file first
            if self.before is not None:
                self.before(session, [values for _key, values in rows], report)
            clauses = [None] if self.where is None else self.where(self.table, [k for k, _ in rows])
            stored = _stored_rows(session, self.table, key.columns, self.compared, clauses)
        upserter = _Upserter(session, self.table, self.compared, stored, report)
        for natural, values in rows:
            upserter.put(natural, values)
        upserter.finish()
        if self.after is not None:
            self.after(session, upserter.changes)


def _no_lookups(_session: Session) -> None:
    return None


@dataclass(frozen=True)
class Loader:
    """One file of the export: its columns, its natural key, its rows' values, its writer.

    `values(row, lookups)` makes a row's values or refuses the row by raising `BadValue` (any
    reason code of `parsing.REASONS`); `lookups(session)` is read once per file before the
    first row and handed to every row, so a row may be judged by what is stored (a known
    customer code) or by the rows before it (state the loader keeps in it). The duplicate-key
    check comes after `values`, so such state has seen a row the check then refuses.
    """

    file: str
    columns: tuple[str, ...]
    key: NaturalKey
    values: Callable[[Row, Any], Values]
    write: Writer
    optional_columns: tuple[str, ...] = ()
    lookups: Callable[[Session], Any] = _no_lookups


def load_file(session: Session, path: Path, loader: Loader, report: FileReport) -> None:
    """Load one file in its own transaction; problems end up in `report`, never raised."""
    try:
        with CsvSource(path, loader.columns, loader.optional_columns) as source:
            lookups = loader.lookups(session)
            loader.write(session, loader.key, _accepted_rows(source, loader, lookups), report)
            session.commit()
    except FileProblem as problem:
        session.rollback()
        report.fail(problem.line, problem.code, problem.params)
    except OSError as exc:
        session.rollback()
        report.fail(0, "file_unreadable", {"detail": exc.strerror or str(exc)})
    except SQLAlchemyError as exc:
        session.rollback()
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
        report.fail(0, "database_error", {"detail": detail})
    except BaseException:
        session.rollback()
        raise
    else:
        report.errors = [
            RowError(report.file, problem.line, problem.code, problem.params)
            for problem in sorted(source.problems, key=lambda problem: problem.line)
        ]


def _accepted_rows(
    source: CsvSource, loader: Loader, lookups: Any
) -> Iterator[tuple[Hashable, Values]]:
    """The file's rows as (natural key, values); each refused row is kept in `source`."""
    key, values_of = loader.key, loader.values
    # itemgetter of one column gives the value itself, of several a tuple: as `_stored_rows`.
    key_of = operator.itemgetter(*key.columns)
    first_lines: dict[Hashable, int] = {}
    for line, row in source:
        try:
            values = values_of(row, lookups)
            natural = key_of(values)
            # The later of two rows with one key is the one refused.
            first_line = first_lines.setdefault(natural, line)
            if first_line != line:
                raise key.duplicate(row, values, first_line)
        except BadValue as refusal:
            source.reject(line, refusal)
            continue
        yield natural, values


def _stored_rows(
    session: Session,
    table: Table,
    key: tuple[str, ...],
    compared: tuple[str, ...],
    clauses: Sequence[ColumnElement[bool] | None],
) -> Stored:
    """Stored rows as natural key → (id, values of `compared`), one query per clause."""
    width = len(key)
    statement = select(table.c.id, *(table.c[c] for c in (*key, *compared)))
    stored: Stored = {}
    for clause in clauses:
        narrowed = statement if clause is None else statement.where(clause)
        # Core rows: the ORM's per-row bookkeeping is not needed for plain values.
        for row in session.connection().execute(narrowed):
            natural = row[1] if width == 1 else tuple(row[1 : 1 + width])
            stored[natural] = (row[0], tuple(row[1 + width :]))
    return stored


class _Upserter:
    """Compares rows with the stored ones and writes the new and changed ones in batches."""

    def __init__(
        self,
        session: Session,
        table: Table,
        columns: tuple[str, ...],
        existing: Stored,
        report: FileReport,
    ) -> None:
        self.session = session
        self.table = table
        self.columns = columns
        self.existing = existing
        self.report = report
        self.inserts: list[Values] = []
        self.updates: list[dict[str, Any]] = []
        self.changes: list[Change] = []
        self.update_statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({name: bindparam("b_" + name) for name in columns})
        )

    def put(self, key: Hashable, values: Values) -> None:
        stored = self.existing.get(key)
        if stored is None:
            self.inserts.append(values)
            self.report.inserted += 1
            if len(self.inserts) >= BATCH:
                self._flush_inserts()
            return
        row_id, old = stored
        new = tuple(values[name] for name in self.columns)
        if new == old:
            self.report.unchanged += 1
            return
        self.updates.append({"b_id": row_id, **{"b_" + c: values[c] for c in self.columns}})
        self.changes.append(Change(row_id, dict(zip(self.columns, old, strict=True)), values))
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


def _copy_rows(connection: Connection, table: Table, rows: list[Values]) -> None:
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
