"""POST /auth/register, GET /auth/verification/{id}, POST /auth/verify and /auth/verify/resend."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from flask_jwt_extended import decode_token
from sqlalchemy import select

from ekesco_api.accounts.models import Account
from ekesco_api.clock import ZONE
from ekesco_api.extensions import db
from ekesco_api.notifications.models import Message
from ekesco_api.notifications.service import get_senders
from ekesco_api.notifications.worker import deliver_due
from ekesco_api.registration import codes, schemas
from ekesco_api.types import utcnow
from tests.factories import make_supply_point
from tests.registration.helpers import code_in

EN = {"Accept-Language": "en"}


def _account(email: str = "arben.krasniqi@example.com") -> Account:
    return db.session.scalars(select(Account).where(Account.email_key == email)).one()


# --- POST /auth/register -------------------------------------------------------------------


def test_register_creates_a_pending_account_and_sends_the_code_by_sms(register, outbox):
    response = register()
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "pending_verification"
    assert body["verification"]["channel"] == "sms"
    uuid.UUID(body["verification"]["id"])
    expires = dt.datetime.fromisoformat(body["verification"]["expires_at"])
    resend = dt.datetime.fromisoformat(body["verification"]["resend_after"])
    assert dt.timedelta(minutes=9) < expires - utcnow() <= dt.timedelta(minutes=10)
    assert dt.timedelta(seconds=50) < resend - utcnow() <= dt.timedelta(seconds=60)

    account = _account()
    assert body["account_id"] == account.id
    assert account.phone == "+38344123456"
    assert account.email == "Arben.Krasniqi@Example.com"
    assert account.language == "en"
    assert account.name_matches_holder is True  # Arben = Arbën
    assert account.password_hash.startswith("$argon2id$")
    assert [m["to"] for m in outbox.sms] == ["+38344123456"]
    code_in(outbox.sms[0]["body"])


def test_register_with_another_name_stores_the_mismatch(register):
    assert register(first_name="Blerim").status_code == 201
    assert _account().name_matches_holder is False


@pytest.mark.parametrize(("accept", "stored"), [("sr", "sr"), ("en", "en"), ("de", "sq")])
def test_language_defaults_to_accept_language(register, accept, stored):
    response = register(language=None, headers={"Accept-Language": accept})
    assert response.status_code == 201
    assert _account().language == stored


def test_unknown_customer_code(register):
    response = register(customer_code="DGJ 9999999", headers=EN)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "customer_code_unknown"


@pytest.mark.parametrize("code", ["DGJ 0042137", "dgj 0042137", "Dgj-0042137", " DGJ0042137 "])
def test_customer_code_matched_ignoring_case_and_spaces(register, code):
    assert register(customer_code=code).status_code == 201


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("phone", "038 123 456", "phone_not_kosovo_mobile"),
        ("phone", "+381 64 123 4567", "phone_not_kosovo_mobile"),
        ("phone", "38338123456", "phone_not_kosovo_mobile"),
        ("phone", 44123456, "phone_not_kosovo_mobile"),
        ("personal_number", "123456789", "personal_number_invalid"),
        ("personal_number", "12345678901", "personal_number_invalid"),
        ("personal_number", "12345abcde", "personal_number_invalid"),
        ("personal_number", 1234567890, "personal_number_invalid"),
        ("password", "short", "weak_password"),
        ("password", "qwerty123456", "weak_password"),
        ("password", "Arben.Krasniqi1990", "weak_password"),
        ("password", "arben.krasniqi!!", "weak_password"),  # the e-mail's local part
        ("password", "eKesco-eKesco!", "weak_password"),
        ("email", "not-an-email", "validation_error"),
        ("first_name", "   ", "validation_error"),
        ("id_card_expiry", "17.05.2031", "validation_error"),
        ("language", "de", "validation_error"),
    ],
)
def test_invalid_fields(register, field, value, code):
    response = register(headers=EN, **{field: value})
    assert response.status_code == 422
    assert response.json["code"] == code
    assert list(response.json["errors"]) == [field]
    if code != "validation_error":
        assert response.json["field_codes"] == {field: [code]}


def test_missing_field_is_a_validation_error(register):
    response = register(customer_code=None, headers=EN)
    assert response.status_code == 422
    assert response.json["code"] == "validation_error"
    assert response.json["errors"] == {"customer_code": ["Missing data for required field."]}


def test_several_bad_fields_each_carry_their_code(register):
    response = register(phone="038 123 456", personal_number="1", headers=EN)
    assert response.json["code"] == "validation_error"
    assert response.json["field_codes"] == {
        "phone": ["phone_not_kosovo_mobile"],
        "personal_number": ["personal_number_invalid"],
    }


def test_weak_password_says_which_rule_failed(register):
    response = register(password="Krasniqi2024!", headers=EN)
    assert response.json["errors"]["password"] == [
        "Do not build the password from your name, e-mail, phone number or the word eKesco."
    ]
    response = register(password="short", headers=EN)
    assert response.json["errors"]["password"] == ["Use at least 12 characters."]


def test_id_card_expiry_judged_on_kosovo_date(register, monkeypatch):
    monkeypatch.setattr(schemas, "local_today", lambda: dt.date(2026, 3, 1))
    response = register(id_card_expiry="2026-02-28", headers=EN)
    assert response.status_code == 422
    assert response.json["code"] == "id_card_expired"
    assert register(id_card_expiry="2026-03-01").status_code == 201  # valid through the day


def test_local_today_is_belgrade_time():
    # 23:30 UTC on 28 Feb is already 1 March in Kosovo.
    late = dt.datetime(2026, 2, 28, 23, 30, tzinfo=dt.UTC)
    assert late.astimezone(ZONE).date() == dt.date(2026, 3, 1)
    assert schemas.local_today() == dt.datetime.now(ZONE).date()


def test_customer_code_taken(register):
    assert register().status_code == 201
    response = register(email="other@example.com", phone="049 555 666", headers=EN)
    assert response.status_code == 409
    assert response.json["code"] == "customer_code_taken"
    assert response.json["title"] == "Someone else is registered on this account."


@pytest.mark.parametrize(
    ("accept", "title"),
    [
        ("sq", "Në këtë llogari është regjistruar dikush tjetër."),
        ("en", "Someone else is registered on this account."),
        ("sr", "Na ovom nalogu je već registrovan neko drugi."),
        ("sq-AL,sq;q=0.9", "Në këtë llogari është regjistruar dikush tjetër."),
        ("sr-Latn-RS,sr;q=0.9,en;q=0.5", "Na ovom nalogu je već registrovan neko drugi."),
        ("de-DE,de;q=0.9", "Në këtë llogari është regjistruar dikush tjetër."),
    ],
)
def test_errors_come_in_the_accept_language(register, accept, title):
    register()
    response = register(
        email="other@example.com", phone="049 555 666", headers={"Accept-Language": accept}
    )
    assert response.json["code"] == "customer_code_taken"
    assert response.json["title"] == title


def test_email_taken_ignoring_case(register, db_session):
    assert register().status_code == 201
    make_supply_point(db_session, customer_code="DPR 0000001")
    response = register(
        customer_code="DPR 0000001", email="ARBEN.krasniqi@example.COM", phone="049 555 666"
    )
    assert response.status_code == 409
    assert response.json["code"] == "email_taken"


def test_phone_taken_in_any_form(register, db_session):
    assert register().status_code == 201
    make_supply_point(db_session, customer_code="DPR 0000001")
    response = register(customer_code="DPR 0000001", email="b@example.com", phone="+38344123456")
    assert response.status_code == 409
    assert response.json["code"] == "phone_taken"


def test_stale_unverified_registration_is_replaced(register, monkeypatch, outbox):
    assert register().status_code == 201
    first = _account()
    first.created_at = utcnow() - dt.timedelta(hours=25)
    db.session.commit()
    response = register(email="new.holder@example.com", phone="049 555 666")
    assert response.status_code == 201
    [account] = db.session.scalars(select(Account)).all()
    assert account.email_key == "new.holder@example.com"
    assert account.phone == "+38349555666"
    # The first registration's code SMS stays in the log, no longer linked to any account:
    # the new account sees only its own.
    links = db.session.execute(select(Message.account_id).order_by(Message.id)).scalars().all()
    assert links == [None, account.id]
    assert account.id != first.id


def test_recent_unverified_registration_still_holds_the_code(register):
    assert register().status_code == 201
    first = _account()
    first.created_at = utcnow() - dt.timedelta(hours=23)
    db.session.commit()
    response = register(email="new.holder@example.com", phone="049 555 666")
    assert response.json["code"] == "customer_code_taken"


def test_verified_registration_is_never_replaced(register, client, outbox):
    register()
    client.post(
        "/api/v1/auth/verify",
        json={"email": "arben.krasniqi@example.com", "code": code_in(outbox.sms[0]["body"])},
    )
    account = _account()
    account.created_at = utcnow() - dt.timedelta(days=30)
    db.session.commit()
    response = register(email="new.holder@example.com", phone="049 555 666")
    assert response.json["code"] == "customer_code_taken"


def test_hold_is_configurable(register, app, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRATION_PENDING_HOLD", dt.timedelta(minutes=30))
    register()
    _account().created_at = utcnow() - dt.timedelta(minutes=31)
    db.session.commit()
    assert register(email="new.holder@example.com", phone="049 555 666").status_code == 201


# --- SMS content -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("sq", "kodi juaj i regjistrimit"),
        ("en", "your registration code"),
        ("sr", "vaš kod za registraciju"),
    ],
)
def test_sms_in_the_account_language(register, outbox, language, words):
    # The request asks for English errors; the SMS follows the account's own language.
    assert register(language=language, headers=EN).status_code == 201
    body = outbox.sms[0]["body"]
    assert words in body
    assert "eKesco" in body
    code_in(body)


# --- GET /auth/verification/{id} -----------------------------------------------------------


def test_verification_status_before_and_after_delivery(register, client, no_delivery, app):
    verification_id = register().json["verification"]["id"]
    response = client.get(f"/api/v1/auth/verification/{verification_id}")
    assert response.status_code == 200
    assert response.json == {
        "channel": "sms",
        "sent_at": None,
        "delivery": "queued",
        "carrier": "vala",
    }

    deliver_due(db.session, senders=get_senders(app))
    response = client.get(f"/api/v1/auth/verification/{verification_id}")
    assert response.json["delivery"] == "sent"
    assert response.json["carrier"] == "vala"
    sent_at = dt.datetime.fromisoformat(response.json["sent_at"])
    assert abs(sent_at - utcnow()) < dt.timedelta(minutes=1)


def test_verification_status_sent_right_after_commit(register, client, outbox):
    verification_id = register(phone="049 123 456").json["verification"]["id"]
    response = client.get(f"/api/v1/auth/verification/{verification_id}")
    assert response.json["delivery"] == "sent"
    assert response.json["carrier"] == "IPKO"


def test_verification_status_failed(register, client, no_delivery, app, monkeypatch):
    verification_id = register().json["verification"]["id"]
    from ekesco_api.notifications.models import Message

    message = db.session.scalars(select(Message)).one()
    message.status = "failed"
    db.session.commit()
    response = client.get(f"/api/v1/auth/verification/{verification_id}")
    assert response.json["delivery"] == "failed"


def test_verification_status_follows_a_resend_by_email(register, client, monkeypatch):
    verification_id = register().json["verification"]["id"]
    later = utcnow() + dt.timedelta(seconds=61)
    monkeypatch.setattr(codes, "utcnow", lambda: later)
    response = client.post(
        "/api/v1/auth/verify/resend",
        json={"email": "arben.krasniqi@example.com", "channel": "email"},
    )
    assert response.status_code == 202
    response = client.get(f"/api/v1/auth/verification/{verification_id}")
    assert response.json["channel"] == "email"
    assert response.json["carrier"] is None


@pytest.mark.parametrize("verification_id", [str(uuid.uuid4()), "not-a-uuid", "1"])
def test_verification_status_unknown(client, verification_id):
    response = client.get(f"/api/v1/auth/verification/{verification_id}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


# --- POST /auth/verify ---------------------------------------------------------------------


def _verify(client, code, email="arben.krasniqi@example.com", headers=EN):
    return client.post("/api/v1/auth/verify", json={"email": email, "code": code}, headers=headers)


def test_verify_activates_and_logs_in(register, client, outbox):
    register()
    code = code_in(outbox.sms[0]["body"])
    response = _verify(client, code, email="ARBEN.KRASNIQI@example.com")
    assert response.status_code == 200, response.json
    assert response.json["token_type"] == "Bearer"
    assert response.json["expires_in"] == 900
    assert response.json["access_token"] and response.json["refresh_token"]
    account = _account()
    assert account.status == "active"
    assert account.verified_at is not None
    # A customer's full-scope token for this account.
    claims = decode_token(response.json["access_token"])
    assert (claims["sub"], claims["kind"], claims["scope"]) == (str(account.id), "customer", "full")
    # The code is used up, and an active account cannot be verified again.
    assert _verify(client, code).json["code"] == "code_invalid"


def test_verify_wrong_code(register, client, outbox):
    register()
    code = code_in(outbox.sms[0]["body"])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = _verify(client, wrong)
    assert response.status_code == 400
    assert response.json["code"] == "code_invalid"
    assert response.json["title"] == "The code is not correct."
    assert _account().status == "pending_verification"


def test_verify_unknown_email_looks_like_a_wrong_code(client):
    response = _verify(client, "123456", email="nobody@example.com")
    assert response.status_code == 400
    assert response.json["code"] == "code_invalid"


def test_verify_expired_code(register, client, outbox, monkeypatch):
    register()
    code = code_in(outbox.sms[0]["body"])
    later = utcnow() + dt.timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(codes, "utcnow", lambda: later)
    response = _verify(client, code)
    assert response.status_code == 400
    assert response.json["code"] == "code_expired"


def test_verify_five_wrong_codes_burn_it(register, client, outbox):
    register()
    code = code_in(outbox.sms[0]["body"])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    statuses = [_verify(client, wrong).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    response = _verify(client, code)
    assert response.status_code == 429
    assert response.json["code"] == "too_many_attempts"
    assert _account().status == "pending_verification"


def test_verify_malformed_code_is_invalid_without_spending_a_try(register, client, outbox):
    register()
    for _ in range(6):
        assert _verify(client, "12a").json["code"] == "code_invalid"
    code = code_in(outbox.sms[0]["body"])
    assert _verify(client, f"{code[:3]} {code[3:]}").status_code == 200


def test_verify_validation(client):
    response = client.post("/api/v1/auth/verify", json={"email": "x"}, headers=EN)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"email", "code"}


# --- POST /auth/verify/resend --------------------------------------------------------------


def _resend(client, channel="sms", email="arben.krasniqi@example.com", headers=EN):
    return client.post(
        "/api/v1/auth/verify/resend", json={"email": email, "channel": channel}, headers=headers
    )


def test_resend_too_soon(register, client):
    register()
    response = _resend(client)
    assert response.status_code == 429
    assert response.json["code"] == "resend_too_soon"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_resend_by_email_after_the_cooldown(register, client, outbox, monkeypatch):
    register()
    later = utcnow() + dt.timedelta(seconds=61)
    monkeypatch.setattr(codes, "utcnow", lambda: later)
    response = _resend(client, channel="email")
    assert response.status_code == 202
    assert response.data == b""
    [mail] = outbox.email
    assert mail["to"] == "Arben.Krasniqi@Example.com"
    assert mail["subject"] == "Your eKesco code"
    code = code_in(mail["body"])
    assert _verify(client, code).status_code == 200


def test_resend_keeps_the_late_sms_good(register, client, outbox, monkeypatch):
    register()
    first = code_in(outbox.sms[0]["body"])
    later = utcnow() + dt.timedelta(seconds=61)
    monkeypatch.setattr(codes, "utcnow", lambda: later)
    assert _resend(client).status_code == 202
    assert len(outbox.sms) == 2
    assert _verify(client, first).status_code == 200


@pytest.mark.parametrize("email", ["nobody@example.com", "arben.krasniqi@example.com"])
def test_resend_for_unknown_or_active_says_nothing(register, client, outbox, email):
    register()
    _verify(client, code_in(outbox.sms[0]["body"]))
    for _ in range(3):
        assert _resend(client, email=email).status_code == 202
    assert len(outbox.sms) == 1


def test_resend_validation(client):
    response = _resend(client, channel="pigeon")
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["channel"]


# --- rate limits -----------------------------------------------------------------------------


def test_register_rate_limited_per_email(register, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REGISTER_PER_EMAIL", "2 per hour")
    for _ in range(2):
        register(customer_code="DGJ 9999999")
    response = register(customer_code="DGJ 9999999")
    assert response.status_code == 429
    assert response.json["code"] == "too_many_attempts"
    assert int(response.headers["Retry-After"]) > 0
    # Another e-mail from the same address is still fine.
    assert register(email="someone.else@example.com").status_code == 201


def test_register_rate_limited_per_address(register, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_REGISTER", "2 per minute")
    for n in range(2):
        register(customer_code="DGJ 9999999", email=f"x{n}@example.com")
    response = register(email="fresh@example.com")
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_verify_rate_limited_per_email(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_VERIFY_PER_EMAIL", "3 per minute")
    for _ in range(3):
        assert _verify(client, "000000", email="a@example.com").status_code == 400
    response = _verify(client, "000000", email="A@example.com")
    assert response.status_code == 429
    assert response.json["code"] == "too_many_attempts"
    assert "Retry-After" in response.headers
    assert _verify(client, "000000", email="b@example.com").status_code == 400


def test_resend_rate_limited_per_email(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_RESEND_PER_EMAIL", "2 per hour")
    for _ in range(2):
        assert _resend(client, email="a@example.com").status_code == 202
    response = _resend(client, email="a@example.com")
    assert response.status_code == 429
    assert "Retry-After" in response.headers
