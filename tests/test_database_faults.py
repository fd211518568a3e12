"""A PostgreSQL that is down, refuses, drops or hangs: 503 with Retry-After, fast, then recovery.

The app talks to the real test database through a TCP proxy the test controls
(tests/support/tcp_proxy.py), so "down" and "paused" are real sockets behaving so, not mocks.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_jwt_extended import create_access_token
from sqlalchemy.engine import make_url

from ekesco_api import create_app
from ekesco_api.config import load_config
from ekesco_api.database_faults import RETRY_AFTER
from tests.support.tcp_proxy import TcpProxy, tcp_proxy

pytestmark = [
    pytest.mark.race,  # an app of its own, committing for real
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (TEST_DATABASE_URL); .ci/run provides it",
    ),
]

STATEMENT_TIMEOUT = 1
CONNECT_TIMEOUT = 2
# The longest a request may take when the server hangs: the watchdog gives up on a pooled
# connection a second after the statement timeout, then a new connection times out.
WORST_CASE = STATEMENT_TIMEOUT + 1 + CONNECT_TIMEOUT + 1.5


@pytest.fixture
def proxied(tmp_path: Any) -> Iterator[tuple[Flask, TcpProxy]]:
    url = make_url(
        load_config({"DATABASE_URL": os.environ["TEST_DATABASE_URL"]})["SQLALCHEMY_DATABASE_URI"]
    )
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        env = {
            "DATABASE_URL": url.set(host="127.0.0.1", port=proxy.port).render_as_string(False),
            "DATABASE_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            "DATABASE_POOL_TIMEOUT": "2",
            "DATABASE_STATEMENT_TIMEOUT": str(STATEMENT_TIMEOUT),
            "DATABASE_LOCK_TIMEOUT": str(STATEMENT_TIMEOUT),
        }
        config = load_config(env)
        # The rate limiter is one object per process: a setting here holds for later tests too.
        config.update(TESTING=True, SMS_FILE=str(tmp_path / "sms"))
        app = create_app(config)
        yield app, proxy
        with app.app_context():
            from ekesco_api.extensions import db

            db.session.remove()
            db.engine.dispose()


def _customer_token(app: Flask) -> str:
    with app.app_context():
        claims = {"kind": "customer", "fam": "f" * 32, "scope": "full"}
        return create_access_token(identity="1", additional_claims=claims)


def _timed(client: Any, method: str, url: str, **kwargs: Any) -> tuple[Any, float]:
    started = time.monotonic()
    response = client.open(url, method=method, **kwargs)
    return response, time.monotonic() - started


# A word of the title in each language: the answer comes in the caller's.
TITLE_WORD = {"sq": "bazën", "en": "database", "sr": "baze podataka"}


def _assert_unavailable(response: Any, language: str = "sq") -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "database_unavailable"
    assert TITLE_WORD[language] in response.json["title"]
    # The database's own wait, not the rate limiter's window on a limited route (login).
    assert response.headers["Retry-After"] == str(RETRY_AFTER)


@pytest.mark.parametrize("mode", ["refuse", "drop", "stall"])
def test_a_failing_database_answers_503_quickly_and_the_service_recovers(proxied, mode):
    app, proxy = proxied
    client = app.test_client()
    me = {"Authorization": f"Bearer {_customer_token(app)}"}
    assert _login(client).status_code == 401  # a pooled connection, warm

    proxy.set_mode(mode)
    response, took = _timed(client, "GET", "/api/v1/me", headers={**me, "Accept-Language": "en"})
    _assert_unavailable(response, "en")
    assert took < WORST_CASE, f"{mode}: {took:.1f} s"
    started = time.monotonic()
    _assert_unavailable(_login(client))
    assert time.monotonic() - started < WORST_CASE, f"{mode}: {took:.1f} s"

    started = time.monotonic()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "Retry-After" in ready.headers
    assert time.monotonic() - started < 2.0

    proxy.set_mode("pass")
    assert _login(client).status_code == 401  # answered again, no restart needed
    assert client.get("/readyz").status_code == 200


def test_connections_the_server_closed_are_replaced_before_a_request_gets_them(proxied):
    # A restart or a failover ends every pooled connection while the service is idle; the
    # requests after it are answered at once on new connections, none with a 503.
    app, proxy = proxied
    client = app.test_client()
    me = {"Authorization": f"Bearer {_customer_token(app)}"}
    assert _login(client).status_code == 401  # a pooled connection, warm
    assert client.get("/api/v1/me", headers=me).status_code == 401  # family "fff…": none

    proxy.set_mode("drop")  # every open connection ends, as in a restart
    proxy.set_mode("pass")  # and the server is back before the next request
    time.sleep(0.1)
    assert _login(client).status_code == 401
    assert client.get("/api/v1/me", headers=me).status_code == 401


def _login(client: Any) -> Any:
    return client.post(
        "/api/v1/auth/login", json={"username": "nobody@example.com", "password": "x" * 12}
    )


def test_every_operation_answers_503_or_a_refusal_without_a_500_while_the_database_is_down(
    proxied,
):
    app, proxy = proxied
    client = app.test_client()
    token = _customer_token(app)
    proxy.set_mode("refuse")
    statuses: dict[int, list[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "x")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(
                url,
                method=method,
                json={},
                headers={"Authorization": f"Bearer {token}", "Accept-Language": "sr"},
            )
            statuses.setdefault(response.status_code, []).append(f"{method} {url}")
            if response.status_code == 503:
                _assert_unavailable(response, "sr")
    assert all(status < 500 or status == 503 for status in statuses), statuses
    assert len(statuses.get(503, [])) > 40, statuses
    # The metrics answer still (without the outbox's, which need the database).
    scraped = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert scraped.status_code == 200
    assert "ekesco_http_requests_total" in scraped.get_data(as_text=True)
