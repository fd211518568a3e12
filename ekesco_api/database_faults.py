"""A database that is down, refuses or hangs: bounded waits, and 503 with Retry-After.

A pooled connection the server has closed (a restart, a failover, a terminated backend) is
noticed before a request gets it: the server's goodbye makes its socket readable while nothing
was asked, which one poll(2) with no wait sees (`_closed_by_server`); the pool then opens a new
one. That replaces SQLAlchemy's pre-ping, a `SELECT 1` round trip before every request (a
fifth of GET /balance's round trips). What it cannot see is a server that vanished without a
word (a host lost, a silent network): there the first statement waits for the watchdog below
and the request answers 503, after which the pool starts afresh.

Four bounds, each configurable (seconds):
- DATABASE_CONNECT_TIMEOUT: opening a connection (psycopg's `connect_timeout`);
- DATABASE_POOL_TIMEOUT: waiting for a free connection of the pool;
- DATABASE_STATEMENT_TIMEOUT and DATABASE_LOCK_TIMEOUT: PostgreSQL cancels a statement of a
  request that runs, or waits for a lock, longer than that (set when a request checks out a
  connection; operator commands and the worker keep no bound: an import may legitimately run
  long statements);
- and the watchdog below, for a server that stops answering altogether.

PostgreSQL's own timeouts need a server that answers. One that is paused, or a network that
drops packets silently, leaves the driver waiting on a socket forever: libpq has no client-side
timeout, and the kernel keeps acknowledging. So a watchdog thread looks at the connections a
request holds; one busy with the same statement for longer than the statement timeout plus a
second has its socket shut down. The driver then fails at once ("server closed the
connection"), SQLAlchemy throws the connection away, and the request answers 503. Written by
hand because no driver or pool offers a client-side deadline for PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ekesco_api.errors import ApiError
from ekesco_api.i18n import _l
from ekesco_api.problems import api_error_problem

log = logging.getLogger(__name__)

# Seconds a client should wait before trying again after a 503.
RETRY_AFTER = 5
# Beyond PostgreSQL's own statement timeout, the wait before the watchdog gives up on a server.
WATCHDOG_GRACE = 1.0
WATCHDOG_INTERVAL = 0.25


class DatabaseUnavailable(ApiError):
    status = 503
    code = "database_unavailable"
    title = _l("The service cannot reach its database just now. Please try again shortly.")

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(RETRY_AFTER)})


@dataclass
class _Activity:
    """What the watchdog knows of one connection."""

    limit: float | None = None  # seconds; None: no bound (outside requests)
    seq: int = 0  # bumped whenever the connection starts something new
    watched_seq: int = -1
    busy_since: float = 0.0


class Watchdog:
    """Shuts down the socket of a connection stuck on one statement past its limit."""

    def __init__(self) -> None:
        self.activities: weakref.WeakKeyDictionary[Any, _Activity] = weakref.WeakKeyDictionary()
        self.lock = threading.Lock()
        self.pid: int | None = None

    def track(self, dbapi_connection: Any) -> _Activity:
        with self.lock:
            activity = self.activities.get(dbapi_connection)
            if activity is None:
                activity = self.activities[dbapi_connection] = _Activity()
            if self.pid != os.getpid():  # first use in this process (gunicorn forks)
                self.pid = os.getpid()
                threading.Thread(target=self._run, name="db-watchdog", daemon=True).start()
            return activity

    def _run(self) -> None:
        while True:
            time.sleep(WATCHDOG_INTERVAL)
            try:
                self.check(time.monotonic())
            except Exception:  # the watchdog must outlive any one odd connection
                log.exception("database watchdog check failed")

    def check(self, now: float) -> None:
        with self.lock:
            watched = list(self.activities.items())
        for connection, activity in watched:
            if activity.limit is None or not _busy(connection):
                activity.watched_seq = -1
                continue
            if activity.watched_seq != activity.seq:
                activity.watched_seq, activity.busy_since = activity.seq, now
            elif now - activity.busy_since > activity.limit + WATCHDOG_GRACE:
                activity.watched_seq = -1
                _cut(connection)


def _busy(connection: Any) -> bool:
    """Whether the driver is waiting for the server's answer to a command."""
    info = getattr(connection, "info", None)
    if info is None or getattr(connection, "closed", True):
        return False
    # psycopg's TransactionStatus.ACTIVE: a command is in progress.
    return int(info.transaction_status) == 1


def _cut(connection: Any) -> None:
    # shutdown() acts on the socket itself, so the driver's own descriptor sees the end of the
    # stream and its wait returns; closing our duplicate leaves the driver's descriptor alone.
    log.warning("database connection stuck past the statement timeout: cut")
    try:
        duplicate = socket.socket(fileno=os.dup(connection.fileno()))
    except Exception:  # closed meanwhile: nothing left to cut
        return
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        duplicate.close()


WATCHDOG = Watchdog()


_override = threading.local()


@contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Bound the statements this thread runs to `seconds`, request or not (the health check)."""
    _override.seconds = seconds
    try:
        yield
    finally:
        del _override.seconds


def configure_timeouts(app: Flask, engine: Engine) -> None:
    """Bound each request's statements on PostgreSQL, and let the watchdog see them."""
    statement = float(app.config["DATABASE_STATEMENT_TIMEOUT"])
    lock = float(app.config["DATABASE_LOCK_TIMEOUT"])

    def wanted() -> tuple[float, float]:
        override = getattr(_override, "seconds", None)
        if override is not None:
            return override, min(lock, override) if lock else override
        if has_request_context():
            return statement, lock
        return 0.0, 0.0  # operator commands and the worker: the server's defaults

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        WATCHDOG.track(dbapi_connection)
        record.info["timeouts"] = (0.0, 0.0)

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if _closed_by_server(dbapi_connection):
            # The pool throws this one away and hands out a new connection instead.
            raise DisconnectionError("the server closed this pooled connection")
        timeouts = wanted()
        activity = WATCHDOG.track(dbapi_connection)
        activity.seq += 1
        activity.limit = timeouts[0] or None
        if record.info.get("timeouts") != timeouts:
            # Only when it changes: most checkouts cost no round trip.
            _set_timeouts(dbapi_connection, *timeouts)
            record.info["timeouts"] = timeouts

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            activity = WATCHDOG.track(dbapi_connection)
            activity.seq += 1

    def _bump(conn: Any, *_args: Any) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if dbapi_connection is not None:
            WATCHDOG.track(dbapi_connection).seq += 1

    event.listen(engine, "before_cursor_execute", _bump)
    event.listen(engine, "commit", _bump)
    event.listen(engine, "rollback", _bump)


def _closed_by_server(dbapi_connection: Any) -> bool:
    """Whether the server has ended this idle connection: a pooled connection is asked nothing,
    so anything to read (the server's last error, the end of the stream) means it is gone."""
    if dbapi_connection.closed:
        return True
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
    except (OSError, ValueError):
        return True
    return bool(poller.poll(0))


def _set_timeouts(dbapi_connection: Any, statement: float, lock: float) -> None:
    # Outside any transaction (autocommit for this one statement): psycopg would otherwise
    # open one, and whether the request's work runs in one could no longer be chosen (db.py).
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.execute(
            "SELECT set_config('statement_timeout', %s, false), "
            "set_config('lock_timeout', %s, false)",
            (f"{int(statement * 1000)}ms", f"{int(lock * 1000)}ms"),
        )
    finally:
        dbapi_connection.autocommit = autocommit


def _database_unavailable(error: Exception) -> Response:
    """The database is down, refuses, hung or cancelled a statement: 503, try again shortly."""
    from ekesco_api.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the pool replaces it
        log.debug("rollback after a database fault failed", exc_info=True)
    log.warning("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
    return api_error_problem(DatabaseUnavailable())


def register_error_handlers(app: Flask) -> None:
    for error in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(error, _database_unavailable)
