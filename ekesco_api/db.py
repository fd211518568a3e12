"""The declarative base every model shares, the engine settings per database, session helpers."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any, TypeVar

from flask import current_app, has_request_context, request
from sqlalchemy import MetaData, Numeric, Select, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, registry

from ekesco_api.types import UtcDateTime

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model: one naming convention, money and UTC time mapped once."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            Decimal: Numeric(12, 2),
            dt.datetime: UtcDateTime(),
        },
    )


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave like a database: real transactions, foreign keys, a writer lock.

    pysqlite opens transactions lazily and behind SQLAlchemy's back, which breaks SAVEPOINTs
    and lets two writers both read-then-write and fail with "database is locked". We take over
    BEGIN ourselves and use BEGIN IMMEDIATE so that writers queue on the lock (busy_timeout)
    instead of failing: SQLite is the embedded default, PostgreSQL is where concurrency scales.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL never corrupts the file; a power cut may only lose the last commits.
        # FULL would wait for the disk on every commit (about 6 ms here, a fifth of a login).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Straight to the driver: BEGIN is transaction control, not a statement for
        # SQLAlchemy's execution events (psycopg's BEGIN on PostgreSQL never shows there either),
        # and going round them cost a tenth of a fast GET.
        connection.connection.driver_connection.execute(
            "BEGIN IMMEDIATE" if may_write() else "BEGIN"
        )


def configure_postgresql(engine: Engine) -> None:
    """Run a GET's statements each on its own and read-only; other work in a READ WRITE
    transaction.

    Why: on a hot GET the round trips cost more than the statements. A transaction around a
    GET's one or two statements adds two (BEGIN, COMMIT): half of GET /balance's. It buys
    nothing: under READ COMMITTED, PostgreSQL's default, each statement sees the data as of
    its own start inside a transaction too. So a GET runs in autocommit, where psycopg sends
    neither, and its ROLLBACK at the end is no round trip either, which keeps psycopg's
    prepared statements (it prepares a statement after its fifth run on a connection and
    forgets them all on ROLLBACK; planning the balance statement costs longer than running it).

    Every connection starts with `default_transaction_read_only`, so PostgreSQL refuses any
    write in those statements: a GET that writes without saying so (`writes_on_get`) fails
    loudly instead of committing by accident. Work that may write says BEGIN READ WRITE.
    """

    @event.listens_for(engine, "do_connect")
    def _read_only_by_default(_dialect: Any, _record: Any, _args: Any, params: Any) -> None:
        # A startup option: no round trip, and a connection is never without it.
        options = params.get("options", "")
        params["options"] = f"{options} -c default_transaction_read_only=on".strip()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.read_only = False  # psycopg's BEGIN then says READ WRITE

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        driver = connection.connection.driver_connection
        reads = not may_write()
        if driver.autocommit != reads:
            driver.autocommit = reads


def may_write() -> bool:
    """Whether this transaction may write, so must take SQLite's writer lock up front.

    A GET only reads, and in WAL mode readers run side by side; taking the writer lock for them
    would queue every request of every worker behind one another. The few GETs that do write
    (a staff lookup is audited) say so with `writes_on_get = True` on their MethodView. Work
    outside a request (CLI, worker, tests' own transactions) always takes the lock.
    """
    if not has_request_context() or request.method not in SAFE_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(getattr(view, "view_class", None), "writes_on_get", False))


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

E = TypeVar("E", bound=BaseException)


def after_rollback(session: Session, error: E) -> E:
    """Roll the transaction back and give `error` back to raise: `raise after_rollback(s, X())`.

    A use case that refuses part-way through releases its locks and drops what it had written
    before the client hears why; the caller still says `raise`, so the flow stays visible.
    """
    session.rollback()
    return error


class SelectPage:
    """A SELECT that flask-smorest's `Page` can slice and count, one page from the database."""

    def __init__(self, session: Any, query: Select[Any]) -> None:
        self.session = session
        self.query = query

    def __getitem__(self, window: slice) -> list[Any]:
        start = window.start or 0
        return self.rows(self.query.offset(start).limit((window.stop or start) - start))

    def rows(self, page: Select[Any]) -> list[Any]:
        """The page as answered: its first column (an entity, mostly); a subclass may shape it."""
        return list(self.session.scalars(page).all())

    def __len__(self) -> int:
        counted = select(func.count()).select_from(self.query.order_by(None).subquery())
        return int(self.session.scalar(counted) or 0)
