"""Logging in from tests: bearer headers for an account, through the real login endpoint."""

from __future__ import annotations

from typing import Any

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
