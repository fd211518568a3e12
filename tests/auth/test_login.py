"""POST /auth/login: usernames in every accepted form, one answer for wrong users and passwords."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from flask_jwt_extended import decode_token
from flask_smorest import Blueprint

from ekesco_api.auth import service as auth_service
from ekesco_api.passwords import DUMMY_HASH, needs_rehash, verify_password
from ekesco_api.security.errors import PasswordChangeRequired
from ekesco_api.security.guards import customer_required
from tests.factories import DEFAULT_PASSWORD, make_account
from tests.support.auth import LOGIN_URL, bearer

# The guards document into a blueprint; these test views are never registered on it.
GUARDED = Blueprint("guarded", __name__)

PROBLEM = "application/problem+json"


def _login(client, username, password=DEFAULT_PASSWORD, **headers):
    return client.post(
        LOGIN_URL, json={"username": username, "password": password}, headers=headers
    )


def test_login_by_email_gives_a_token_pair(client, db_session):
    account = make_account(db_session)
    response = _login(client, account.email)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    claims = decode_token(body["access_token"])
    assert (claims["sub"], claims["kind"], claims["scope"]) == (str(account.id), "customer", "full")


@pytest.mark.parametrize("transform", [str.upper, str.title, lambda e: f"  {e} "])
def test_email_is_matched_ignoring_case_and_spaces(client, db_session, transform):
    account = make_account(db_session, email="Arben.Krasniqi@Example.com")
    assert _login(client, transform("arben.krasniqi@example.com")).status_code == 200
    assert account.email == "Arben.Krasniqi@Example.com"


@pytest.mark.parametrize(
    "typed",
    [
        "+38349123456",
        "+383 49 123 456",
        "049 123 456",
        "049123456",
        "049-123-456",
        "0038349123456",
        "00383 49 123 456",
        "38349123456",
        "49123456",
    ],
)
def test_login_by_phone_in_every_form(client, db_session, typed):
    make_account(db_session, phone="+38349123456")
    response = _login(client, typed)
    assert response.status_code == 200, response.get_json()


def test_wrong_password_and_unknown_user_get_the_same_answer(client, db_session):
    account = make_account(db_session)
    wrong = _login(client, account.email, "not-the-password-at-all")
    unknown = _login(client, "nobody@example.com", DEFAULT_PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.mimetype == unknown.mimetype == PROBLEM
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["code"] == "invalid_credentials"


def test_unknown_user_costs_a_dummy_hash_verification(client, db_session, monkeypatch):
    calls = []

    def spy(hash_, password):
        calls.append(hash_)
        return verify_password(hash_, password)

    monkeypatch.setattr(auth_service, "verify_password", spy)
    assert _login(client, "nobody@example.com").status_code == 401
    assert _login(client, "+38344999888").status_code == 401
    assert calls == [DUMMY_HASH, DUMMY_HASH]


def test_known_user_verifies_its_own_hash(client, db_session, monkeypatch):
    account = make_account(db_session)
    calls = []
    monkeypatch.setattr(
        auth_service, "verify_password", lambda h, p: calls.append(h) or verify_password(h, p)
    )
    assert _login(client, account.email, "wrong-password-here").status_code == 401
    assert calls == [account.password_hash]


def test_invalid_credentials_in_other_languages(client, db_session):
    english = _login(client, "nobody@example.com", **{"Accept-Language": "en"}).get_json()
    serbian = _login(client, "nobody@example.com", **{"Accept-Language": "sr"}).get_json()
    albanian = _login(client, "nobody@example.com").get_json()
    assert english["title"] == "The username or password is not correct."
    assert len({english["title"], serbian["title"], albanian["title"]}) == 3
    assert english["code"] == serbian["code"] == albanian["code"] == "invalid_credentials"


def test_unverified_account_is_told_only_after_a_correct_password(client, db_session):
    account = make_account(db_session, verified=False)
    assert _login(client, account.email, "wrong-password-here").get_json()["code"] == (
        "invalid_credentials"
    )
    response = _login(client, account.email, **{"Accept-Language": "en"})
    assert response.status_code == 403
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "account_not_verified"
    assert "access_token" not in response.get_json()


def test_password_change_required_comes_with_a_limited_pair(app, client, db_session):
    account = make_account(db_session, password_change_required=True)
    response = _login(client, account.email)
    assert response.status_code == 403
    body = response.get_json()
    assert body["code"] == "password_change_required"
    assert body["token_type"] == "Bearer"
    claims = decode_token(body["access_token"])
    assert claims["scope"] == "password_change"
    assert decode_token(body["refresh_token"])["type"] == "refresh"

    # Such a token opens only views that allow it (PUT /me/password does).
    @customer_required(GUARDED)
    def ordinary():
        return "ok"

    @customer_required(GUARDED, allow_password_change=True)
    def change_password():
        return "ok"

    with app.test_request_context(headers=bearer(body["access_token"])):
        with pytest.raises(PasswordChangeRequired):
            ordinary()
        assert change_password() == "ok"


def test_password_change_required_on_a_wrong_password_is_just_401(client, db_session):
    account = make_account(db_session, password_change_required=True)
    assert _login(client, account.email, "wrong-password-here").status_code == 401


def test_old_argon2_parameters_are_upgraded_at_login(client, db_session):
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(DEFAULT_PASSWORD)
    account = make_account(db_session, password_hash=old)
    assert needs_rehash(old)
    assert _login(client, account.email).status_code == 200
    db_session.refresh(account)
    assert account.password_hash != old
    assert not needs_rehash(account.password_hash)
    assert verify_password(account.password_hash, DEFAULT_PASSWORD)


def test_current_hashes_are_left_alone(client, db_session):
    account = make_account(db_session)
    before = account.password_hash
    assert _login(client, account.email).status_code == 200
    db_session.refresh(account)
    assert account.password_hash == before


@pytest.mark.parametrize(
    "body",
    [{}, {"username": "a@example.com"}, {"password": "x"}, {"username": "", "password": "x"}],
)
def test_missing_fields_are_422(client, body):
    response = client.post(LOGIN_URL, json=body)
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"


def test_username_that_is_neither_phone_nor_email_is_just_unknown(client, db_session):
    assert _login(client, "044 12").get_json()["code"] == "invalid_credentials"


def test_failed_logins_per_username_are_limited(client, db_session):
    make_account(db_session, phone="+38349555111")
    forms = ["+38349555111", "049555111", "0038349555111", "+383 49 555 111", "49555111"]
    for typed in forms:
        assert _login(client, typed, "wrong-password-here").status_code == 401
    # However the number is typed, it is one username; even the right password must now wait.
    response = _login(client, "049 555 111", **{"Accept-Language": "en"})
    assert response.status_code == 429
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["code"] == "too_many_attempts"
    assert body["title"] == "Too many attempts. Please wait and try again."
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # Someone else from the same address is not blocked.
    other = make_account(db_session)
    assert _login(client, other.email).status_code == 200


def test_failed_logins_by_email_count_in_any_case(client, db_session):
    account = make_account(db_session, email="vjosa@example.com")
    for typed in ["vjosa@example.com", "VJOSA@example.com", "Vjosa@Example.com"] * 2:
        _login(client, typed, "wrong-password-here")
    assert _login(client, account.email).status_code == 429


def test_the_429_speaks_albanian_by_default(client, db_session):
    for _ in range(5):
        _login(client, "someone@example.com", "wrong-password-here")
    response = _login(client, "someone@example.com")
    assert response.status_code == 429
    assert response.get_json()["title"] != "Too many attempts. Please wait and try again."


def test_successful_logins_do_not_count_against_the_username(client, db_session):
    account = make_account(db_session)
    for _ in range(8):
        assert _login(client, account.email).status_code == 200


def test_logins_per_address_are_limited(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_PER_IP", "3/minute")
    account = make_account(db_session)
    for _ in range(3):
        assert _login(client, account.email).status_code == 200
    response = _login(client, account.email)
    assert response.status_code == 429
    assert response.get_json()["code"] == "too_many_attempts"
    assert "Retry-After" in response.headers
    # Another address is a different count.
    other = client.post(
        LOGIN_URL,
        json={"username": account.email, "password": DEFAULT_PASSWORD},
        environ_overrides={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert other.status_code == 200
