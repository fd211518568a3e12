"""Every error of login, tokens, password care and /me comes in Albanian, English and Serbian."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from flask_jwt_extended import create_access_token

from ekesco_api.auth.errors import AccountNotVerified, InvalidCredentials, ResetTokenInvalid
from ekesco_api.auth.tokens import issue_token_pair
from ekesco_api.errors import TooManyAttempts, Unauthorized, WeakPassword
from ekesco_api.profile.errors import (
    CodeExpired,
    CodeInvalid,
    EmailTaken,
    IdCardExpired,
    PhoneTaken,
    ResendTooSoon,
)
from ekesco_api.registration.models import VerificationCode
from ekesco_api.security.errors import (
    PasswordChangeRequired,
    TokenExpired,
    TokenInvalid,
    TokenRevoked,
)
from tests.factories import DEFAULT_PASSWORD, make_account
from tests.support.auth import auth_headers, bearer, login


def _title(error_class, language):
    with force_locale(language):
        return str(error_class.title)


def _login(client, username, password=DEFAULT_PASSWORD, **headers):
    return client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, headers=headers
    )


def invalid_credentials(client, db_session, headers):
    return _login(client, "nobody@example.com", **headers)


def account_not_verified(client, db_session, headers):
    return _login(client, make_account(db_session, verified=False).email, **headers)


def password_change_required(client, db_session, headers):
    return _login(client, make_account(db_session, password_change_required=True).email, **headers)


def too_many_attempts(client, db_session, headers):
    for _ in range(5):
        _login(client, "x@example.com", "wrong-password-here")
    return _login(client, "x@example.com", **headers)


def token_revoked(client, db_session, headers):
    pair = login(client, make_account(db_session).email)
    client.post("/api/v1/auth/logout", headers=bearer(pair["access_token"]))
    return client.post("/api/v1/auth/refresh", headers={**bearer(pair["refresh_token"]), **headers})


def token_expired(client, db_session, headers):
    account = make_account(db_session)
    issue_token_pair(db_session, account=account)
    stale = create_access_token(
        identity=str(account.id),
        additional_claims={"kind": "customer", "fam": "f" * 32, "scope": "full"},
        expires_delta=dt.timedelta(seconds=-5),
    )
    return client.get("/api/v1/me", headers={**bearer(stale), **headers})


def token_invalid(client, db_session, headers):
    return client.get("/api/v1/me", headers={**bearer("not.a.jwt"), **headers})


def unauthorized(client, db_session, headers):
    return client.get("/api/v1/me", headers=headers)


def reset_token_invalid(client, db_session, headers):
    return client.post(
        "/api/v1/auth/password/reset",
        json={"token": "made-up", "new_password": "quiet-river-copper-kite"},
        headers=headers,
    )


def weak_password(client, db_session, headers):
    account = make_account(db_session)
    return client.put(
        "/api/v1/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": "short"},
        headers={**auth_headers(client, account), **headers},
    )


def wrong_current_password(client, db_session, headers):
    account = make_account(db_session)
    return client.put(
        "/api/v1/me/password",
        json={"current_password": "not-my-password", "new_password": "quiet-river-copper-kite"},
        headers={**auth_headers(client, account), **headers},
    )


def email_taken(client, db_session, headers):
    make_account(db_session, email="taken@example.com")
    account = make_account(db_session)
    return client.patch(
        "/api/v1/me",
        json={"email": "taken@example.com"},
        headers={**auth_headers(client, account), **headers},
    )


def phone_taken(client, db_session, headers):
    make_account(db_session, phone="+38345000777")
    account = make_account(db_session)
    return client.patch(
        "/api/v1/me",
        json={"phone": "+38345000777"},
        headers={**auth_headers(client, account), **headers},
    )


def id_card_expired(client, db_session, headers):
    account = make_account(db_session)
    return client.patch(
        "/api/v1/me",
        json={"id_card_expiry": "2001-01-01"},
        headers={**auth_headers(client, account), **headers},
    )


def _pending_email(client, db_session):
    account = make_account(db_session)
    account_headers = auth_headers(client, account)
    client.patch("/api/v1/me", json={"email": "new@example.com"}, headers=account_headers)
    return account, account_headers


def code_invalid(client, db_session, headers):
    _account, account_headers = _pending_email(client, db_session)
    return client.post(
        "/api/v1/me/email/verify", json={"code": "000000x"}, headers={**account_headers, **headers}
    )


def code_expired(client, db_session, headers):
    account, account_headers = _pending_email(client, db_session)
    for code in db_session.query(VerificationCode).filter_by(account_id=account.id):
        code.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db_session.flush()
    return client.post(
        "/api/v1/me/email/verify", json={"code": "123456"}, headers={**account_headers, **headers}
    )


def resend_too_soon(client, db_session, headers):
    _account, account_headers = _pending_email(client, db_session)
    return client.patch(
        "/api/v1/me",
        json={"email": "newer@example.com"},
        headers={**account_headers, **headers},
    )


SCENARIOS = [
    (invalid_credentials, InvalidCredentials),
    (account_not_verified, AccountNotVerified),
    (password_change_required, PasswordChangeRequired),
    (too_many_attempts, TooManyAttempts),
    (token_revoked, TokenRevoked),
    (token_expired, TokenExpired),
    (token_invalid, TokenInvalid),
    (unauthorized, Unauthorized),
    (reset_token_invalid, ResetTokenInvalid),
    (weak_password, WeakPassword),
    (wrong_current_password, InvalidCredentials),
    (email_taken, EmailTaken),
    (phone_taken, PhoneTaken),
    (id_card_expired, IdCardExpired),
    (code_invalid, CodeInvalid),
    (code_expired, CodeExpired),
    (resend_too_soon, ResendTooSoon),
]


@pytest.mark.parametrize("language", ["en", "sr", "sq"])
@pytest.mark.parametrize(("scenario", "error"), SCENARIOS, ids=[s.__name__ for s, _ in SCENARIOS])
def test_error_in_language(client, db_session, scenario, error, language):
    response = scenario(client, db_session, {"Accept-Language": language})
    assert response.status_code == error.status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == error.code
    if error is IdCardExpired:
        # A field error: the 422's title is the generic one, the field carries the message.
        assert body["errors"]["id_card_expiry"] == [_title(IdCardExpired, language)]
        return
    assert body["title"] == _title(error, language)
    if language != "en":
        assert body["title"] != _title(error, "en"), "not translated"
