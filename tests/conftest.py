"""Fixtures: one app per session on a migrated database, one rolled-back transaction per test."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_babel
import pytest
from flask import Flask, g, has_request_context, request_started
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.orm import scoped_session, sessionmaker

from ekesco_api import create_app
from ekesco_api.config import load_config
from ekesco_api.extensions import db, limiter
from tests.support.openapi import SpecCheckingClient


def _test_database_url(tmp: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp / 'test.sqlite3'}"
    # Spelled as the app reads DATABASE_URL (postgres:// means psycopg 3).
    return str(load_config({"DATABASE_URL": url})["SQLALCHEMY_DATABASE_URI"])


@pytest.fixture(scope="session")
def message_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("messages")


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory, message_dir: Path) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("db")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": _test_database_url(tmp),
            "SMS_FILE": str(message_dir / "sms.jsonl"),
            "EMAIL_FILE": str(message_dir / "email.jsonl"),
            "PUSH_FILE": str(message_dir / "push.jsonl"),
            "SMS_BACKEND": "file",
            "EMAIL_BACKEND": "file",
            "PUSH_BACKEND": "file",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    _add_test_routes(app)
    _refuse_writes_in_reads(app)
    app.test_client_class = SpecCheckingClient  # every answer checked against the spec
    # The autouse db_session fixture keeps one app context open for a whole test, and Flask
    # reuses it for every request; Flask-Babel caches the locale on it. Production has one
    # context per request, so pick the language anew on each test request as well.
    request_started.connect(_refresh_locale, app)
    with app.app_context():
        _reset_schema()
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _refuse_writes_in_reads(app: Flask) -> None:
    """Fail any GET that writes without saying so (`writes_on_get`, see db.py).

    On PostgreSQL such a GET runs in a READ ONLY transaction and would fail in production;
    the tests' shared transaction cannot be read-only, so the rule is checked statement by
    statement here, on both databases.
    """
    from ekesco_api.db import may_write

    writes = ("INSERT", "UPDATE", "DELETE")

    def _check(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if has_request_context() and statement.lstrip().upper().startswith(writes):
            assert may_write(), f"a GET wrote without writes_on_get: {statement[:80]}"

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _check)


def _refresh_locale(_sender: Any, **_extra: Any) -> None:
    flask_babel.refresh()


def _add_test_routes(app: Flask) -> None:
    """Routes that exist only in tests, to provoke faults no real route should have."""

    @app.get("/_test/fault")
    def _fault() -> Any:
        raise RuntimeError("secret internals: password=hunter2")


def _reset_schema() -> None:
    """Start from an empty database, whatever an earlier run left behind."""
    engine = db.engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            db.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


# Reference data that migrations seed; a race test's clean-up must leave it in place.
SEEDED_TABLES = frozenset({"tariffs"})


def _truncate_all() -> None:
    with db.engine.begin() as conn:
        tables = [
            t.name for t in reversed(db.metadata.sorted_tables) if t.name not in SEEDED_TABLES
        ]
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


def _app_context_scope() -> object:
    """One session per app context, as Flask-SQLAlchemy scopes its own: `g` lives as long."""
    return g.setdefault("test_session_scope", object())


@pytest.fixture(autouse=True)
def db_session(request: pytest.FixtureRequest, app: Flask) -> Iterator[Any]:
    """Each test inside one transaction that is rolled back; `race` tests commit for real."""
    limiter.reset()
    if request.node.get_closest_marker("race"):
        yield db.session
        with app.app_context():
            db.session.remove()
            _truncate_all()
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        # A plain Session: Flask-SQLAlchemy's own would pick the engine over our connection.
        db.session = scoped_session(
            sessionmaker(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            ),
            scopefunc=_app_context_scope,
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


class Outbox:
    """The messages the file backends wrote during this test, one list per channel."""

    def __init__(self, app: Flask) -> None:
        self.files = {ch: Path(app.config[f"{ch.upper()}_FILE"]) for ch in ("sms", "email", "push")}
        for path in self.files.values():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("", encoding="utf-8")

    def read(self, channel: str) -> list[dict[str, Any]]:
        path = self.files[channel]
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]

    @property
    def sms(self) -> list[dict[str, Any]]:
        return self.read("sms")

    @property
    def email(self) -> list[dict[str, Any]]:
        return self.read("email")

    @property
    def push(self) -> list[dict[str, Any]]:
        return self.read("push")


@pytest.fixture
def outbox(app: Flask) -> Outbox:
    return Outbox(app)
