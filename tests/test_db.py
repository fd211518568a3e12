"""Reads and writes: SQLite's writer lock, PostgreSQL's read-only GETs, and GETs that write."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text, update

from ekesco_api.auth.models import SessionFamily
from ekesco_api.db import may_write
from ekesco_api.extensions import db


def test_reads_do_not_take_the_writer_lock(app: Flask) -> None:
    with app.test_request_context("/api/v1/balance", method="GET"):
        assert may_write() is False


def test_writes_take_the_writer_lock(app: Flask) -> None:
    with app.test_request_context("/api/v1/meters", method="POST"):
        assert may_write() is True


def test_a_get_that_writes_says_so(app: Flask) -> None:
    # The staff lookup is audited, so it writes although it is a GET.
    with app.test_request_context("/api/v1/staff/customers", method="GET"):
        assert may_write() is True


def test_work_outside_requests_takes_the_writer_lock(app: Flask) -> None:
    with app.app_context():
        assert may_write() is True


def test_the_suite_fails_a_get_that_writes_without_saying_so(app: Flask, db_session) -> None:
    # tests/conftest.py watches every statement: PostgreSQL would refuse this write.
    with app.test_request_context("/api/v1/balance", method="GET"), pytest.raises(AssertionError):
        db_session.execute(update(SessionFamily).values(scope="full"))


def _read_only(app: Flask, path: str, method: str) -> str:
    with app.test_request_context(path, method=method), db.engine.connect() as connection:
        return str(connection.execute(text("SHOW transaction_read_only")).scalar_one())


def test_on_postgresql_a_get_runs_read_only_and_other_work_does_not(app: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("READ ONLY transactions are PostgreSQL's")
    assert _read_only(app, "/api/v1/balance", "GET") == "on"
    assert _read_only(app, "/api/v1/meters", "POST") == "off"
    assert _read_only(app, "/api/v1/staff/customers", "GET") == "off"  # writes_on_get
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("SHOW transaction_read_only")).scalar_one() == "off"


def _postgresql_only(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("autocommit reads are PostgreSQL's")


@pytest.mark.race  # the app's own sessions and connections, as in production
def test_on_postgresql_a_get_runs_its_statements_without_a_transaction(app: Flask) -> None:
    _postgresql_only(app)
    from psycopg.pq import TransactionStatus

    def status_after(path: str, method: str) -> TransactionStatus:
        with app.test_request_context(path, method=method):
            session = db.session()
            session.execute(text("SELECT 1"))
            status = session.connection().connection.driver_connection.info.transaction_status
            session.rollback()
            db.session.remove()
            return TransactionStatus(status)

    # No BEGIN was sent for the GET, so none is open after its statement; a POST's is.
    assert status_after("/api/v1/balance", "GET") == TransactionStatus.IDLE
    assert status_after("/api/v1/meters", "POST") == TransactionStatus.INTRANS
    assert status_after("/api/v1/staff/customers", "GET") == TransactionStatus.INTRANS


@pytest.mark.race
def test_on_postgresql_a_get_that_writes_without_saying_so_is_refused(app: Flask) -> None:
    _postgresql_only(app)
    from psycopg.errors import ReadOnlySqlTransaction

    with app.test_request_context("/api/v1/balance", method="GET"):
        # Straight to the driver: the suite's own check (conftest) would fail it first.
        driver = db.session.connection().connection.driver_connection
        with pytest.raises(ReadOnlySqlTransaction):
            driver.execute("UPDATE session_families SET scope = 'full'")
        db.session.remove()
