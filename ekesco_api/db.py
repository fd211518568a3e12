"""The declarative base every model shares, the engine settings per database, session helpers."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any, TypeVar

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import MetaData, Numeric, Select, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
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


def configure_postgresql(app: Flask, engine: Engine, session: Any) -> None:
    """Run a GET's transaction READ ONLY and end it with COMMIT.

    Why: psycopg prepares a statement after its fifth run on a connection, but forgets every
    prepared statement on ROLLBACK, and a request's session ends with one. So without this,
    PostgreSQL plans the balance statement afresh for each request (about 1.3 ms, longer than
    running it). A read-only transaction gives the same answers whether it commits or rolls
    back, and PostgreSQL refuses any write in it: a GET that writes without saying so
    (`writes_on_get`) fails loudly instead of committing by accident.
    """

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # psycopg sends BEGIN itself with the first statement: READ ONLY rides along with it.
        connection.connection.driver_connection.read_only = not may_write()

    @app.teardown_request
    def _commit_reads(error: BaseException | None) -> None:
        # Requests end before their app context, where Flask-SQLAlchemy removes the session.
        if error is None and session.registry.has() and not may_write():
            current = session()
            if current.in_transaction():
                try:
                    current.commit()
                except SQLAlchemyError:
                    # Only the prepared statements are lost; the answer was read already.
                    log.warning("could not commit a read-only transaction", exc_info=True)


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
