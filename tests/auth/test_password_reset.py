"""Forgotten password: a single-use link by e-mail, then a new password that ends every session."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from sqlalchemy import select

from ekesco_api.auth.models import PasswordResetToken
from ekesco_api.extensions import db
from ekesco_api.notifications.models import STATUS_QUEUED, Message
from ekesco_api.notifications.service import get_senders
from ekesco_api.notifications.worker import deliver_due
from tests.factories import DEFAULT_PASSWORD, make_account
from tests.support.auth import bearer, login

FORGOT_URL = "/api/v1/auth/password/forgot"
RESET_URL = "/api/v1/auth/password/reset"
LOGIN_URL = "/api/v1/auth/login"
NEW_PASSWORD = "quiet-river-copper-kite"
LINK = re.compile(r"(https?://\S+/reset-password\?token=([A-Za-z0-9_\-]+))")


def _ask(client, email, **headers):
    """The request alone: the e-mail stays in the outbox for the worker."""
    return client.post(FORGOT_URL, json={"email": email}, headers=headers)


def _forgot(client, email, **headers):
    """The request, then the worker's run that sends its e-mail."""
    response = _ask(client, email, **headers)
    deliver_due(db.session, senders=get_senders())
    return response


def _reset(client, token, password=NEW_PASSWORD, **headers):
    return client.post(RESET_URL, json={"token": token, "new_password": password}, headers=headers)


def _link_token(outbox, index=-1):
    match = LINK.search(outbox.email[index]["body"])
    assert match, outbox.email[index]["body"]
    return match.group(2)


def test_forgot_sends_a_link_in_the_accounts_language(app, client, db_session, outbox):
    account = make_account(db_session, email="Teuta@Example.com", language="en")
    response = _forgot(client, "teuta@example.com")
    assert response.status_code == 202
    assert response.data == b""
    [mail] = outbox.email
    assert mail["to"] == "Teuta@Example.com"
    assert mail["subject"] == "Reset your eKesco password"
    link = LINK.search(mail["body"]).group(1)
    assert link.startswith(app.config["PUBLIC_BASE_URL"].rstrip("/") + "/reset-password?token=")
    assert "30" in mail["body"]
    assert account.first_name in mail["body"]


def test_the_link_comes_in_albanian_by_default(client, db_session, outbox):
    make_account(db_session, email="drita@example.com")
    _forgot(client, "drita@example.com", **{"Accept-Language": "en"})
    # The account's language wins over the request's: the reader of the e-mail is the holder.
    assert outbox.email[0]["subject"] != "Reset your eKesco password"


def test_unknown_address_gets_the_same_202_and_no_mail(client, db_session, outbox):
    response = _forgot(client, "nobody@example.com")
    assert response.status_code == 202
    assert response.data == b""
    assert outbox.email == []


def test_the_request_only_queues_the_mail_for_the_worker(client, db_session, outbox):
    # Sending in the request would make a registered address answer measurably slower.
    account = make_account(db_session)
    assert _ask(client, account.email).status_code == 202
    assert outbox.email == []
    [message] = db_session.scalars(select(Message).where(Message.account_id == account.id)).all()
    assert (message.kind, message.status, message.recipient) == (
        "password_reset",
        STATUS_QUEUED,
        account.email,
    )
    deliver_due(db.session, senders=get_senders())
    [mail] = outbox.email
    assert mail["to"] == account.email
    assert LINK.search(mail["body"])


def test_the_sent_link_is_not_kept_in_the_outbox(client, db_session, outbox):
    account = make_account(db_session)
    _ask(client, account.email)
    [queued] = db_session.scalars(select(Message).where(Message.account_id == account.id)).all()
    assert queued.secret and "reset-password?token=" in queued.body  # the worker needs it
    _forgot(client, account.email)  # a second link, and the worker sends both
    token = _link_token(outbox)
    messages = Message.__table__
    rows = db_session.execute(
        select(messages).where(messages.c.account_id == account.id)
    ).mappings()
    for row in rows:
        assert row["status"] == "sent"
        text = "\n".join(str(value) for value in row.values())
        assert token not in text and "token=" not in text


@pytest.mark.parametrize("language", ["sq", "en", "sr"])
def test_known_and_unknown_addresses_get_the_same_answer(client, db_session, language):
    account = make_account(db_session)
    known = _ask(client, account.email, **{"Accept-Language": language})
    unknown = _ask(client, "nobody-here@example.com", **{"Accept-Language": language})
    assert (known.status_code, known.data) == (unknown.status_code, unknown.data) == (202, b"")
    # Per request, or the clock: the rate limit's reset may cross a second between the two.
    volatile = {"date", "x-request-id", "x-ratelimit-reset", "retry-after"}

    def same(response):
        return {k.lower(): v for k, v in response.headers.items() if k.lower() not in volatile}

    assert same(known) == same(unknown)


def test_only_a_digest_of_the_token_is_stored(client, db_session, outbox):
    account = make_account(db_session)
    _forgot(client, account.email)
    token = _link_token(outbox)
    [row] = db_session.scalars(
        select(PasswordResetToken).where(PasswordResetToken.account_id == account.id)
    ).all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash
    assert len(token) >= 43  # 256 bits, base64url
    lifetime = row.expires_at - row.created_at
    assert lifetime == dt.timedelta(minutes=30)


def test_full_flow_sets_the_password_and_ends_every_session(client, db_session, outbox):
    account = make_account(db_session)
    before = login(client, account.email)
    _forgot(client, account.email)
    response = _reset(client, _link_token(outbox))
    assert response.status_code == 204
    # Old password out, new one in.
    old = client.post(LOGIN_URL, json={"username": account.email, "password": DEFAULT_PASSWORD})
    assert old.status_code == 401
    assert login(client, account.email, NEW_PASSWORD)["token_type"] == "Bearer"
    # The session from before the reset is over, access and refresh token alike.
    gone = client.post("/api/v1/auth/logout", headers=bearer(before["access_token"]))
    assert gone.get_json()["code"] == "token_revoked"
    refresh = client.post("/api/v1/auth/refresh", headers=bearer(before["refresh_token"]))
    assert refresh.get_json()["code"] == "token_revoked"
    # The holder hears about it on the registered address.
    assert outbox.email[-1]["to"] == account.email
    assert "reset-password" not in outbox.email[-1]["body"]


def test_reset_clears_a_pending_password_change(client, db_session, outbox):
    account = make_account(db_session, password_change_required=True)
    _forgot(client, account.email)
    assert _reset(client, _link_token(outbox)).status_code == 204
    assert login(client, account.email, NEW_PASSWORD)["token_type"] == "Bearer"


def test_a_token_works_once(client, db_session, outbox):
    account = make_account(db_session)
    _forgot(client, account.email)
    token = _link_token(outbox)
    assert _reset(client, token).status_code == 204
    again = _reset(client, token, "another-fine-passphrase", **{"Accept-Language": "en"})
    assert again.status_code == 400
    assert again.mimetype == "application/problem+json"
    assert again.get_json()["code"] == "token_invalid"


def test_asking_again_voids_the_earlier_link(client, db_session, outbox):
    account = make_account(db_session)
    _forgot(client, account.email)
    first = _link_token(outbox)
    _forgot(client, account.email)
    second = _link_token(outbox)
    assert _reset(client, first).get_json()["code"] == "token_invalid"
    assert _reset(client, second).status_code == 204


def test_an_expired_link_is_token_invalid(client, db_session, outbox):
    account = make_account(db_session)
    _forgot(client, account.email)
    token = _link_token(outbox)
    row = db_session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.account_id == account.id)
    )
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db_session.flush()
    response = _reset(client, token, **{"Accept-Language": "sr"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "token_invalid"
    assert body["title"] != (
        "This password reset link is not valid or has expired. Please ask for a new one."
    )


@pytest.mark.parametrize("token", ["made-up", "A" * 43])
def test_an_unknown_token_is_token_invalid(client, token):
    assert _reset(client, token).get_json()["code"] == "token_invalid"


def test_a_weak_password_is_422_and_does_not_burn_the_link(client, db_session, outbox):
    account = make_account(db_session)
    _forgot(client, account.email)
    token = _link_token(outbox)
    weak = _reset(client, token, "short", **{"Accept-Language": "en"})
    assert weak.status_code == 422
    body = weak.get_json()
    assert body["code"] == "weak_password"
    assert "new_password" in body["errors"]
    personal = _reset(client, token, "Krasniqi.Arben.2024!")
    assert personal.get_json()["code"] == "weak_password"
    assert _reset(client, token).status_code == 204


@pytest.mark.parametrize("body", [{}, {"email": "not-an-address"}])
def test_forgot_validates_the_address(client, body):
    response = client.post(FORGOT_URL, json=body)
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"


def test_forgot_is_rate_limited_per_address(client, db_session, outbox):
    account = make_account(db_session)
    for _ in range(3):
        assert _forgot(client, account.email).status_code == 202
    # The same address typed differently is the same address.
    response = _forgot(client, account.email.upper(), **{"Accept-Language": "en"})
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "too_many_attempts"
    assert int(response.headers["Retry-After"]) > 0
    assert len(outbox.email) == 3
    # Another address from the same client is still served.
    assert _forgot(client, "someone-else@example.com").status_code == 202
