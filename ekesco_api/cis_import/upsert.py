"""The set-based writer of the CIS import: a file staged in a temporary table, then merged.

Why: a file of 7 million bills fits in memory neither as Python objects nor as a dict of the
stored rows, and the database joins faster than Python compares. So the accepted rows stream
into a temporary table (COPY on PostgreSQL, batched INSERTs elsewhere), keys met twice are
found there, and two statements merge it into the table: an UPDATE of the stored rows whose
compared columns differ (the others are neither written nor locked, so a second run of the
same export writes nothing), then an INSERT of the rows whose key is new. That is what
`INSERT ... ON CONFLICT DO UPDATE ... WHERE ... IS DISTINCT FROM` does, minus the row lock
ON CONFLICT takes on every unchanged row it meets.

Hooks see the file as tables (`Staged`), so they work set-based too: `before` may fill columns
of the staged rows or compare them with the stored ones; `after` finds the rows the file
inserted or updated in `Staged.changed`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ekesco_api.cis_import.engine import NaturalKey, Rows, Values
from ekesco_api.cis_import.report import FileReport

# Rows per INSERT where there is no COPY (SQLite), and ids per IN list: bounded statements.
BATCH = 2000
LINE = "line_number"
SHOWN = "shown_as"


@dataclass(frozen=True)
class Staged:
    """A file being merged, as tables a hook can join; they live inside the file's transaction.

    `stage` holds the accepted rows: the target's columns but its id (all nullable), the row's
    `line_number`, and `shown_as` when the key is spelled by a function. `changed` holds the
    ids of target rows the merge inserted (`inserted` true) or updated (false); it is filled
    only for a writer with an `after` hook.
    """

    target: Table
    stage: Table
    changed: Table
    key: tuple[str, ...]

    def matches(self) -> ColumnElement[bool]:
        """A staged row and the stored row of the same key."""
        return and_(*(self.target.c[name] == self.stage.c[name] for name in self.key))


@dataclass(frozen=True)
class Upsert:
    """Insert rows whose key is new, update those whose `compared` columns differ.

    Values not in `compared` are written on insert only. Columns with a Python default or
    onupdate (`updated_at`) get it as the ORM would. `before(session, staged, report)` runs
    once the file is staged, `after(session, staged)` once it is merged.
    """

    table: Table
    compared: tuple[str, ...]
    before: Callable[[Session, Staged, FileReport], None] | None = None
    after: Callable[[Session, Staged], None] | None = None

    # Keys met twice are found in the stage, so the engine keeps no dict of every key.
    checks_keys: ClassVar[bool] = True

    def __call__(self, session: Session, key: NaturalKey, rows: Rows, report: FileReport) -> None:
        connection = session.connection()
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:
            # The duplicate check and the merge sort and hash whole files: in memory, not on disk.
            connection.execute(text("SET LOCAL work_mem = '64MB'"))
        staged = _staged_tables(self.table, key)
        staged.stage.create(connection)
        staged.changed.create(connection)
        names, staged_count = _stage_rows(connection, staged.stage, key, rows)
        if postgresql:
            # Temporary tables have no statistics until asked: the merge's plan needs them.
            connection.execute(text(f"ANALYZE {staged.stage.name}"))
        staged_count -= _refuse_duplicates(connection, staged, key, rows)
        if self.before is not None:
            self.before(session, staged, report)
        record = self.after is not None
        report.updated = _update_changed(connection, staged, self.compared, record=record)
        columns = list(dict.fromkeys((*names, *self.compared)))
        report.inserted = _insert_new(connection, staged, columns, record=record)
        report.unchanged = staged_count - report.inserted - report.updated
        if self.after is not None:
            self.after(session, staged)
        staged.changed.drop(connection)
        staged.stage.drop(connection)


def _staged_tables(target: Table, key: NaturalKey) -> Staged:
    metadata = MetaData()
    columns: list[Column[Any]] = [Column(LINE, Integer)]
    columns += [
        Column(column.name, column.type) for column in target.columns if column.name != "id"
    ]
    if key.shown is not None:
        columns.append(Column(SHOWN, String))
    # Dropped at the end of the writer; ON COMMIT DROP is PostgreSQL's guard against a leak.
    options: dict[str, Any] = {"prefixes": ["TEMPORARY"], "postgresql_on_commit": "DROP"}
    stage = Table(f"cis_stage_{target.name}", metadata, *columns, **options)
    changed = Table(
        f"cis_changed_{target.name}",
        metadata,
        Column("id", Integer),
        Column("inserted", Boolean),
        **options,
    )
    return Staged(target, stage, changed, key.columns)


def _stage_rows(
    connection: Connection, stage: Table, key: NaturalKey, rows: Rows
) -> tuple[list[str], int]:
    """Stream the accepted rows into the stage; the value columns and the number of rows."""
    accepted = iter(rows)
    first = next(accepted, None)
    if first is None:
        return [], 0
    names = list(first[1])
    spelled = key.shown is not None

    def records() -> Iterator[list[Any]]:
        values: Values = first[1]
        while True:
            record = [rows.line, *map(values.__getitem__, names)]
            if spelled:
                record.append(key.spelled(rows.row, values))
            yield record
            following = next(accepted, None)
            if following is None:
                return
            values = following[1]

    columns = [LINE, *names, *([SHOWN] if spelled else [])]
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return names, _copy(connection, stage, columns, records())
    count = 0
    batch: list[dict[str, Any]] = []
    for record in records():
        batch.append(dict(zip(columns, record, strict=True)))
        if len(batch) >= BATCH:
            connection.execute(insert(stage), batch)
            count, batch = count + len(batch), []
    if batch:
        connection.execute(insert(stage), batch)
    return names, count + len(batch)


def _copy(
    connection: Connection, stage: Table, columns: list[str], records: Iterator[list[Any]]
) -> int:
    """PostgreSQL's COPY, fed as the file is read: ten times the speed of batched INSERTs.

    Values are already what the columns hold (aware UTC datetimes, Decimals), so psycopg's
    own adapters write them."""
    statement = f"COPY {stage.name} ({', '.join(columns)}) FROM STDIN"
    driver_connection: Any = connection.connection.driver_connection
    dbapi: Any = connection.dialect.loaded_dbapi
    count = 0
    try:
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for record in records:
                copy.write_row(record)
                count += 1
    except dbapi.Error as exc:
        # Raised past SQLAlchemy: wrap it as SQLAlchemy would (IntegrityError, ...).
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc
    return count


def _refuse_duplicates(connection: Connection, staged: Staged, key: NaturalKey, rows: Rows) -> int:
    """Refuse every staged row whose key an earlier line has, and take it out of the stage."""
    stage = staged.stage
    keys = [stage.c[name] for name in key.columns]
    firsts = (
        select(*keys, func.min(stage.c[LINE]).label("first_line"))
        .group_by(*keys)
        .having(func.count() > 1)
        .subquery()
    )
    shown = stage.c[SHOWN] if key.shown is not None else stage.c[key.field]
    found = connection.execute(
        select(stage.c[LINE], shown, firsts.c.first_line)
        .join_from(stage, firsts, and_(*(stage.c[n] == firsts.c[n] for n in key.columns)))
        .where(stage.c[LINE] != firsts.c.first_line)
    ).all()
    for line, spelled, first_line in found:
        rows.refuse(line, key.duplicate(str(spelled), first_line))
    lines = [line for line, _spelled, _first in found]
    for start in range(0, len(lines), BATCH):
        connection.execute(delete(stage).where(stage.c[LINE].in_(lines[start : start + BATCH])))
    return len(found)


def _update_changed(
    connection: Connection, staged: Staged, compared: tuple[str, ...], *, record: bool
) -> int:
    """UPDATE the stored rows whose compared columns differ from the file's; how many."""
    target, stage = staged.target, staged.stage
    differs = or_(*(target.c[name].is_distinct_from(stage.c[name]) for name in compared))
    statement = (
        update(target)
        .where(staged.matches(), differs)
        .values({name: stage.c[name] for name in compared})
    )
    if not record:
        return connection.execute(statement).rowcount
    return _record(connection, staged, statement.returning(target.c.id), inserted=False)


def _insert_new(connection: Connection, staged: Staged, columns: list[str], *, record: bool) -> int:
    """INSERT the staged rows whose key is not stored yet; how many."""
    target, stage = staged.target, staged.stage
    new = select(*(stage.c[name] for name in columns)).where(~exists().where(staged.matches()))
    statement = insert(target).from_select(columns, new)
    if not record:
        return _count(connection, statement)
    return _record(connection, staged, statement.returning(target.c.id), inserted=True)


def _record(connection: Connection, staged: Staged, written: Any, *, inserted: bool) -> int:
    """Run a RETURNING statement and keep the ids it wrote in `changed`; how many."""
    changed = staged.changed
    if connection.dialect.name == "postgresql":
        # One statement: the ids go from the write to the table without visiting Python.
        cte = written.cte("written")
        keep = insert(changed).from_select(["id", "inserted"], select(cte.c.id, literal(inserted)))
        return _count(connection, keep.add_cte(cte))
    ids = connection.execute(written).scalars().all()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        connection.execute(insert(changed), [{"id": i, "inserted": inserted} for i in chunk])
    return len(ids)


def _count(connection: Connection, statement: Any) -> int:
    """Run an INSERT and say how many rows it wrote (SQLAlchemy keeps that only when asked)."""
    return connection.execute(statement.execution_options(preserve_rowcount=True)).rowcount
