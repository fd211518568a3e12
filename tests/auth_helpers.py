"""Logging in from tests: bearer headers for an account, through the real login endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import flask_babel
import pytest
from flask import Flask, request_started
from flask.testing import FlaskClient

from tests.factories import DEFAULT_PASSWORD

LOGIN_URL = "/api/v1/auth/login"


def login(client: FlaskClient, username: str, password: str = DEFAULT_PASSWORD) -> dict[str, Any]:
    """The token pair of a successful login (fails the test otherwise)."""
    response = client.post(LOGIN_URL, json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def auth_headers(
    client: FlaskClient, account: Any, password: str = DEFAULT_PASSWORD
) -> dict[str, str]:
    """`Authorization: Bearer …` for `account` (from `make_account`), by logging in by e-mail.

    Usage: `client.get("/api/v1/me", headers=auth_headers(client, account))`.
    """
    return bearer(login(client, account.email, password)["access_token"])


@pytest.fixture
def fresh_locale_per_request(app: Flask) -> Iterator[None]:
    """Pick the language anew on every test request.

    The autouse `db_session` fixture keeps one app context open for the whole test, so Flask
    reuses it for each request and Flask-Babel's per-context locale cache would answer every
    request of a test in the first request's language. Production has one context per request.
    Use it from a conftest: `from tests.auth_helpers import fresh_locale_per_request` and mark
    it autouse there, or request it in a test.
    """

    def refresh_locale(_sender: Any, **_extra: Any) -> None:
        flask_babel.refresh()

    request_started.connect(refresh_locale, app)
    try:
        yield
    finally:
        request_started.disconnect(refresh_locale, app)
