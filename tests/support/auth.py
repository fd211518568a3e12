"""Calling the API as someone: bearer headers from a real login, or tokens minted directly."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.auth.models import SessionFamily
from ekesco_api.auth.tokens import issue_token_pair
from tests.factories import DEFAULT_PASSWORD, STAFF_PASSWORD, make_staff

API = "/api/v1"
LOGIN_URL = "/api/v1/auth/login"
STAFF_LOGIN_URL = "/api/v1/staff/login"
# How a temporary password looks in the SMS or e-mail that carries it.
TEMP_PASSWORD = re.compile(r"\b([a-z2-9]{4}(?:-[a-z2-9]{4}){3})\b")


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


def token_headers(session: Session, account: Account, **headers: str) -> dict[str, str]:
    """A bearer header for `account`, issued directly (no password hashing, no rate limit)."""
    pair = issue_token_pair(session, account=account)
    session.flush()
    return {**bearer(pair["access_token"]), **headers}


def logged_out(client: FlaskClient, headers: dict[str, str]) -> dict[str, str]:
    """`headers` after their session has logged out: a token whose session has ended."""
    assert client.post(f"{API}/auth/logout", headers=headers).status_code == 204
    return headers


def staff_login(client: FlaskClient, member: Any, password: str = STAFF_PASSWORD) -> dict[str, Any]:
    """The token pair of a staff member's successful login (fails the test otherwise)."""
    response = client.post(STAFF_LOGIN_URL, json={"email": member.email, "password": password})
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def dispatcher_headers(session: Session, *, role: str = "dispatcher") -> dict[str, str]:
    """A staff bearer token for a new member of `role`, minted directly (no login)."""
    member = make_staff(session, role=role)
    family = SessionFamily(kind="staff", staff_id=member.id, role=role, scope="full")
    session.add(family)
    session.flush()
    token = create_access_token(
        identity=str(member.id),
        additional_claims={"kind": "staff", "role": role, "fam": family.id, "scope": "full"},
    )
    return {"Authorization": f"Bearer {token}"}
