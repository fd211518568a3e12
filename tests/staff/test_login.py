"""POST /staff/login: a staff token pair with a role; the same token rules as customers."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_jwt_extended import decode_token
from flask_smorest import Blueprint

from ekesco_api.passwords import DUMMY_HASH
from ekesco_api.security.errors import WrongTokenKind
from ekesco_api.security.guards import customer_required, staff_required
from ekesco_api.staff import members
from tests.factories import STAFF_PASSWORD, make_account, make_staff
from tests.support.auth import STAFF_LOGIN_URL, bearer, login, staff_login

# The guards document into a blueprint; these test views are never registered on it.
GUARDED = Blueprint("guarded", __name__)


@pytest.mark.parametrize("role", ["support", "dispatcher", "admin"])
def test_login_gives_a_staff_pair_with_the_role(client, db_session, role):
    member = make_staff(db_session, role=role)
    body = staff_login(client, member)
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "role"}
    assert body["role"] == role
    claims = decode_token(body["access_token"])
    assert (claims["sub"], claims["kind"], claims["role"], claims["scope"]) == (
        str(member.id),
        "staff",
        role,
        "full",
    )
    assert member.last_login_at is not None


def test_email_is_matched_ignoring_case(client, db_session):
    member = make_staff(db_session, email="Agent.One@kesco-energy.com")
    response = client.post(
        STAFF_LOGIN_URL, json={"email": " agent.one@KESCO-energy.com", "password": STAFF_PASSWORD}
    )
    assert response.status_code == 200
    assert decode_token(response.get_json()["access_token"])["sub"] == str(member.id)


def test_unknown_email_wrong_password_and_switched_off_get_the_same_401(client, db_session):
    member = make_staff(db_session)
    gone = make_staff(db_session, active=False)
    answers = [
        client.post(STAFF_LOGIN_URL, json={"email": "nobody@kesco-energy.com", "password": "x"}),
        client.post(STAFF_LOGIN_URL, json={"email": member.email, "password": "wrong-one-here"}),
        client.post(STAFF_LOGIN_URL, json={"email": gone.email, "password": STAFF_PASSWORD}),
    ]
    bodies = [(a.status_code, a.get_json()["code"], a.get_json()["title"]) for a in answers]
    assert len(set(bodies)) == 1
    assert bodies[0][:2] == (401, "invalid_credentials")


def test_unknown_email_costs_one_argon2_verification_too(client, db_session, monkeypatch):
    seen = []
    real = members.verify_password
    monkeypatch.setattr(members, "verify_password", lambda h, p: seen.append(h) or real(h, p))
    client.post(STAFF_LOGIN_URL, json={"email": "nobody@kesco-energy.com", "password": "x"})
    assert seen == [DUMMY_HASH]


def test_a_customer_cannot_log_in_as_staff(client, db_session):
    account = make_account(db_session)
    response = client.post(STAFF_LOGIN_URL, json={"email": account.email, "password": "x"})
    assert response.status_code == 401


def test_staff_cannot_log_in_on_the_customer_login(client, db_session):
    member = make_staff(db_session)
    response = client.post(
        "/api/v1/auth/login", json={"username": member.email, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 401


def test_failed_logins_per_email_are_limited(client, db_session):
    member = make_staff(db_session)
    for _ in range(5):
        response = client.post(STAFF_LOGIN_URL, json={"email": member.email, "password": "no"})
        assert response.status_code == 401
    response = client.post(STAFF_LOGIN_URL, json={"email": member.email, "password": "no"})
    assert response.status_code == 429
    assert response.get_json()["code"] == "too_many_attempts"
    # Even the right password waits: the limit is on the name, not on wrong answers only.
    response = client.post(
        STAFF_LOGIN_URL, json={"email": member.email, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 429


@pytest.mark.parametrize("body", [{}, {"email": "a@b.c"}, {"password": "x"}, {"email": ""}])
def test_missing_fields_are_422(client, body):
    assert client.post(STAFF_LOGIN_URL, json=body).status_code == 422


def test_refresh_rotates_a_staff_pair_and_keeps_the_role(client, db_session):
    member = make_staff(db_session, role="dispatcher")
    first = staff_login(client, member)
    response = client.post("/api/v1/auth/refresh", headers=bearer(first["refresh_token"]))
    assert response.status_code == 200
    second = response.get_json()
    claims = decode_token(second["access_token"])
    assert (claims["kind"], claims["role"]) == ("staff", "dispatcher")
    # The used refresh token again: theft suspected, the whole staff session ends.
    again = client.post("/api/v1/auth/refresh", headers=bearer(first["refresh_token"]))
    assert again.status_code == 401
    me = client.get("/api/v1/staff/me", headers=bearer(second["access_token"]))
    assert me.status_code == 401
    assert me.get_json()["code"] == "token_revoked"


def test_logout_ends_a_staff_session(client, db_session):
    member = make_staff(db_session)
    pair = staff_login(client, member)
    assert client.post("/api/v1/auth/logout", headers=bearer(pair["access_token"])).status_code == (
        204
    )
    response = client.get("/api/v1/staff/me", headers=bearer(pair["access_token"]))
    assert response.status_code == 401


def test_staff_me(client, db_session):
    member = make_staff(db_session, role="admin")
    response = client.get(
        "/api/v1/staff/me", headers=bearer(staff_login(client, member)["access_token"])
    )
    assert response.get_json() == {"id": member.id, "email": member.email, "role": "admin"}


def test_a_member_switched_off_after_login_is_turned_away(client, db_session):
    member = make_staff(db_session)
    headers = bearer(staff_login(client, member)["access_token"])
    member.active = False
    db_session.flush()
    assert client.get("/api/v1/staff/me", headers=headers).status_code == 401


def test_a_staff_token_is_refused_on_customer_routes(app: Flask, client, db_session):
    token = staff_login(client, make_staff(db_session, role="admin"))["access_token"]

    @customer_required(GUARDED)
    def customer_view() -> str:
        return "ok"

    with app.test_request_context(headers=bearer(token)), pytest.raises(WrongTokenKind):
        customer_view()
    # And over HTTP, on the customer's own profile.
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 403


def test_a_customer_token_is_refused_on_staff_routes(app: Flask, client, db_session):
    account = make_account(db_session)
    token = login(client, account.email)["access_token"]

    @staff_required(GUARDED)
    def staff_view() -> str:
        return "ok"

    with app.test_request_context(headers=bearer(token)), pytest.raises(WrongTokenKind):
        staff_view()
