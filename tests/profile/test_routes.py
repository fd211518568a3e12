"""/me: the profile, e-mail and phone changes confirmed by code, and the password change."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask_jwt_extended import decode_token
from sqlalchemy import update

from ekesco_api.auth.tokens import start_session
from ekesco_api.registration.models import VerificationCode
from tests.factories import DEFAULT_PASSWORD, make_account, make_staff, make_supply_point
from tests.support.auth import auth_headers, bearer, login

ME = "/api/v1/me"
EMAIL_VERIFY = "/api/v1/me/email/verify"
PHONE_VERIFY = "/api/v1/me/phone/verify"
PASSWORD = "/api/v1/me/password"
PROBLEM = "application/problem+json"
NEW_PASSWORD = "quiet-river-copper-kite"
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def _code(message):
    [code] = CODE.findall(message["body"])
    return code


def _messages_to(messages, address):
    return [m for m in messages if m["to"] == address]


# --- GET /me -------------------------------------------------------------------------------


def test_profile_has_the_contract_fields(client, db_session):
    supply_point = make_supply_point(db_session, customer_code="DPR 0123456")
    account = make_account(
        db_session,
        supply_point=supply_point,
        first_name="Arbën",
        email="Arben@Example.com",
        phone="+38344123456",
        language="en",
        id_card_expiry=dt.date(2031, 5, 17),
    )
    response = client.get(ME, headers=auth_headers(client, account))
    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "account_id": account.id,
        "customer_code": "DPR 0123456",
        "first_name": "Arbën",
        "last_name": "Krasniqi",
        "email": "Arben@Example.com",
        "phone": "+38344123456",
        "language": "en",
        "name_matches_holder": True,
        "id_card_expiry": "2031-05-17",
        "created_at": account.created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def test_profile_needs_a_token(client):
    response = client.get(ME, headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "unauthorized"
    assert response.get_json()["title"] == "You need to log in."


def test_a_staff_token_is_403_on_me(client, db_session):
    member = make_staff(db_session)
    staff = start_session(db_session, kind="staff", subject_id=member.id, role="support")
    db_session.flush()
    response = client.get(ME, headers=bearer(staff["access_token"]))
    assert response.status_code == 403
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "forbidden"


def test_a_password_change_token_cannot_read_the_profile(client, db_session):
    account = make_account(db_session, password_change_required=True)
    pair = client.post(
        "/api/v1/auth/login", json={"username": account.email, "password": DEFAULT_PASSWORD}
    ).get_json()
    response = client.get(ME, headers={**bearer(pair["access_token"]), "Accept-Language": "sr"})
    assert response.status_code == 403
    assert response.get_json()["code"] == "password_change_required"
    assert response.get_json()["title"] != "Please choose a new password before you continue."


def test_logout_ends_access_to_me_at_once(client, db_session):
    account = make_account(db_session)
    headers = auth_headers(client, account)
    assert client.get(ME, headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    response = client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_revoked"


# --- PATCH /me: at once ----------------------------------------------------------------------


def test_language_and_card_expiry_apply_at_once(client, db_session, outbox):
    account = make_account(db_session)
    response = client.patch(
        ME,
        json={"language": "sr", "id_card_expiry": "2034-02-01"},
        headers=auth_headers(client, account),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["language"], body["id_card_expiry"]) == ("sr", "2034-02-01")
    db_session.refresh(account)
    assert account.language == "sr"
    assert account.id_card_expiry == dt.date(2034, 2, 1)
    assert outbox.sms == [] and outbox.email == []


def test_an_expired_card_is_refused(client, db_session):
    account = make_account(db_session)
    response = client.patch(
        ME,
        json={"id_card_expiry": "2020-01-01"},
        headers={**auth_headers(client, account), "Accept-Language": "en"},
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "id_card_expired"
    assert body["field_codes"] == {"id_card_expiry": ["id_card_expired"]}
    assert body["errors"]["id_card_expiry"] == [
        "This identity card has expired. Enter the expiry date of a valid card."
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"language": "de"},
        {"email": "not-an-address"},
        {"id_card_expiry": "tomorrow"},
        {"email": None},
        {"first_name": "Someone Else"},
    ],
)
def test_bad_values_are_422(client, db_session, body):
    account = make_account(db_session)
    response = client.patch(ME, json=body, headers=auth_headers(client, account))
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"


def test_a_phone_that_is_no_kosovo_mobile_is_422(client, db_session):
    account = make_account(db_session)
    for phone in ("038 123 456", "+355 69 123 4567", "12"):
        response = client.patch(ME, json={"phone": phone}, headers=auth_headers(client, account))
        assert response.status_code == 422
        assert response.get_json()["code"] == "phone_not_kosovo_mobile"


# --- PATCH /me: e-mail -----------------------------------------------------------------------


def test_email_change_confirmed_by_the_code_sent_to_the_new_address(client, db_session, outbox):
    account = make_account(db_session, email="old@example.com", language="en")
    headers = auth_headers(client, account)
    response = client.patch(ME, json={"email": " New@Example.com "}, headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == "old@example.com"
    assert body["pending_email"] == "New@Example.com"
    assert client.get(ME, headers=headers).get_json()["pending_email"] == "New@Example.com"
    [mail] = outbox.email
    assert mail["to"] == "New@Example.com"
    assert outbox.sms == []

    response = client.post(EMAIL_VERIFY, json={"code": _code(mail)}, headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == "New@Example.com"
    assert "pending_email" not in body
    # The old address hears of it, in the account's language, without the full new address.
    [notice] = _messages_to(outbox.email, "old@example.com")
    assert notice["subject"] == "Your eKesco e-mail address was changed"
    assert "New@Example.com" not in notice["body"]
    # The new address is now the login name, in any case; the old one no longer is.
    login(client, "new@example.com")
    old = client.post(
        "/api/v1/auth/login", json={"username": "old@example.com", "password": DEFAULT_PASSWORD}
    )
    assert old.status_code == 401


def test_email_taken_by_another_account_is_409(client, db_session, outbox):
    make_account(db_session, email="taken@example.com")
    account = make_account(db_session)
    response = client.patch(
        ME,
        json={"email": "TAKEN@example.com"},
        headers={**auth_headers(client, account), "Accept-Language": "en"},
    )
    assert response.status_code == 409
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "email_taken"
    db_session.refresh(account)
    assert account.pending_email is None
    assert outbox.email == []


def test_email_taken_meanwhile_is_409_at_confirmation(client, db_session, outbox):
    account = make_account(db_session)
    headers = auth_headers(client, account)
    client.patch(ME, json={"email": "wanted@example.com"}, headers=headers)
    code = _code(outbox.email[0])
    make_account(db_session, email="Wanted@example.com")  # someone else gets there first
    response = client.post(
        EMAIL_VERIFY, json={"code": code}, headers={**headers, "Accept-Language": "sr"}
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "email_taken"
    profile = client.get(ME, headers=headers).get_json()
    assert "pending_email" not in profile
    assert profile["email"] == account.email


def test_giving_the_current_email_cancels_the_pending_change(client, db_session, outbox):
    account = make_account(db_session)
    headers = auth_headers(client, account)
    client.patch(ME, json={"email": "other@example.com"}, headers=headers)
    response = client.patch(ME, json={"email": account.email.upper()}, headers=headers)
    assert response.status_code == 200
    assert "pending_email" not in response.get_json()
    assert len(outbox.email) == 1  # no code for the current address


def test_wrong_code_is_400_code_invalid(client, db_session, outbox):
    account = make_account(db_session)
    headers = auth_headers(client, account)
    client.patch(ME, json={"email": "new@example.com"}, headers=headers)
    right = _code(outbox.email[0])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(
        EMAIL_VERIFY, json={"code": wrong}, headers={**headers, "Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "code_invalid"
    # The right one still works afterwards.
    assert client.post(EMAIL_VERIFY, json={"code": right}, headers=headers).status_code == 200


def test_five_wrong_codes_burn_the_code(client, db_session, outbox):
    account = make_account(db_session)
    headers = auth_headers(client, account)
    client.patch(ME, json={"phone": "045 000 444"}, headers=headers)
    right = _code(outbox.sms[0])
    wrong = [f"{(int(right) + n) % 1_000_000:06d}" for n in range(1, 6)]
    statuses = [
        client.post(PHONE_VERIFY, json={"code": code}, headers=headers).status_code
        for code in wrong
    ]
    assert statuses == [400, 400, 400, 400, 429]
    response = client.post(PHONE_VERIFY, json={"code": right}, headers=headers)
    assert response.status_code == 429
    assert response.get_json()["code"] == "too_many_attempts"
    assert client.get(ME, headers=headers).get_json()["phone"] == account.phone


def test_verify_with_nothing_pending_is_code_invalid(client, db_session):
    account = make_account(db_session)
    headers = auth_headers(client, account)
    for url in (EMAIL_VERIFY, PHONE_VERIFY):
        response = client.post(url, json={"code": "123456"}, headers=headers)
        assert response.status_code == 400
        assert response.get_json()["code"] == "code_invalid"


def test_an_expired_code_is_400_code_expired(client, db_session, outbox):
    account = make_account(db_session)
    headers = auth_headers(client, account)
    client.patch(ME, json={"email": "new@example.com"}, headers=headers)
    db_session.execute(
        update(VerificationCode)
        .where(VerificationCode.account_id == account.id)
        .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    )
    response = client.post(
        EMAIL_VERIFY,
        json={"code": _code(outbox.email[0])},
        headers={**headers, "Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == "code_expired"


def test_a_phone_code_does_not_confirm_an_email(client, db_session, outbox):
    account = make_account(db_session)
    headers = auth_headers(client, account)
    client.patch(ME, json={"email": "new@example.com", "phone": "045 987 654"}, headers=headers)
    sms_code = _code(outbox.sms[0])
    email_code = _code(outbox.email[0])
    if sms_code != email_code:
        response = client.post(EMAIL_VERIFY, json={"code": sms_code}, headers=headers)
        assert response.get_json()["code"] == "code_invalid"
    assert client.post(EMAIL_VERIFY, json={"code": email_code}, headers=headers).status_code == 200
    assert client.post(PHONE_VERIFY, json={"code": sms_code}, headers=headers).status_code == 200


# --- PATCH /me: phone ------------------------------------------------------------------------


def test_phone_change_confirmed_by_sms_code(client, db_session, outbox):
    account = make_account(db_session, phone="+38349111222", language="en")
    headers = auth_headers(client, account)
    response = client.patch(ME, json={"phone": "+383 45 987 654"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["pending_phone"] == "+38345987654"
    assert response.get_json()["phone"] == "+38349111222"
    [sms] = outbox.sms
    assert sms["to"] == "+38345987654"

    response = client.post(PHONE_VERIFY, json={"code": _code(sms)}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["phone"] == "+38345987654"
    assert "pending_phone" not in response.get_json()
    [notice] = _messages_to(outbox.sms, "+38349111222")
    assert "654" in notice["body"]
    assert CODE.findall(notice["body"]) == []  # no 6-digit run: it must not look like a code
    login(client, "045 987 654")


def test_phone_taken_is_409(client, db_session, outbox):
    make_account(db_session, phone="+38345000111")
    account = make_account(db_session)
    response = client.patch(
        ME,
        json={"phone": "045 000 111"},
        headers={**auth_headers(client, account), "Accept-Language": "sr"},
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "phone_taken"
    assert outbox.sms == []


def test_phone_taken_meanwhile_is_409_at_confirmation(client, db_session, outbox):
    account = make_account(db_session)
    headers = auth_headers(client, account)
    client.patch(ME, json={"phone": "045 000 222"}, headers=headers)
    code = _code(outbox.sms[0])
    make_account(db_session, phone="+38345000222")
    response = client.post(PHONE_VERIFY, json={"code": code}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["code"] == "phone_taken"
    assert "pending_phone" not in client.get(ME, headers=headers).get_json()


def test_a_new_code_within_a_minute_is_429(client, db_session, outbox):
    account = make_account(db_session)
    headers = auth_headers(client, account)
    assert client.patch(ME, json={"phone": "045 000 333"}, headers=headers).status_code == 200
    response = client.patch(ME, json={"phone": "045 000 334"}, headers=headers)
    assert response.status_code == 429
    assert response.get_json()["code"] == "resend_too_soon"
    assert int(response.headers["Retry-After"]) > 0
    # Nothing changed by the refused request.
    assert client.get(ME, headers=headers).get_json()["pending_phone"] == "+38345000333"


# --- PUT /me/password ------------------------------------------------------------------------


def _change(client, headers, current=DEFAULT_PASSWORD, new=NEW_PASSWORD, **extra):
    return client.put(
        PASSWORD,
        json={"current_password": current, "new_password": new},
        headers={**headers, **extra},
    )


def test_password_change_keeps_this_session_and_ends_the_others(client, db_session, outbox):
    account = make_account(db_session)
    this = login(client, account.email)
    other = login(client, account.email)
    response = _change(client, bearer(this["access_token"]))
    assert response.status_code == 204
    assert client.get(ME, headers=bearer(this["access_token"])).status_code == 200
    gone = client.get(ME, headers=bearer(other["access_token"]))
    assert gone.get_json()["code"] == "token_revoked"
    refresh = client.post("/api/v1/auth/refresh", headers=bearer(other["refresh_token"]))
    assert refresh.get_json()["code"] == "token_revoked"
    login(client, account.email, NEW_PASSWORD)
    assert outbox.email[-1]["to"] == account.email


def test_wrong_current_password_is_401_invalid_credentials(client, db_session):
    account = make_account(db_session)
    response = _change(
        client,
        auth_headers(client, account),
        current="not-my-password",
        **{"Accept-Language": "en"},
    )
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "invalid_credentials"


@pytest.mark.parametrize("new", ["short", "zaq1xsw2cde3", "Arben-Krasniqi-1990", DEFAULT_PASSWORD])
def test_weak_new_password_is_422(client, db_session, new):
    account = make_account(db_session)
    response = _change(client, auth_headers(client, account), new=new, **{"Accept-Language": "sr"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "weak_password"
    assert "new_password" in body["errors"]


def test_after_a_support_reset_the_limited_token_changes_the_password(client, db_session):
    account = make_account(db_session, password_change_required=True)
    pair = client.post(
        "/api/v1/auth/login", json={"username": account.email, "password": DEFAULT_PASSWORD}
    ).get_json()
    assert _change(client, bearer(pair["access_token"])).status_code == 204
    db_session.refresh(account)
    assert account.password_change_required is False
    # The same session goes on, now as an ordinary one.
    renewed = client.post("/api/v1/auth/refresh", headers=bearer(pair["refresh_token"]))
    assert renewed.status_code == 200
    access = renewed.get_json()["access_token"]
    assert decode_token(access)["scope"] == "full"
    assert client.get(ME, headers=bearer(access)).status_code == 200
    assert login(client, account.email, NEW_PASSWORD)["token_type"] == "Bearer"


def test_wrong_current_passwords_are_rate_limited(client, db_session):
    account = make_account(db_session)
    headers = auth_headers(client, account)
    for _ in range(5):
        assert _change(client, headers, current="not-my-password").status_code == 401
    response = _change(client, headers)
    assert response.status_code == 429
    assert response.get_json()["code"] == "too_many_attempts"
    assert "Retry-After" in response.headers


def test_password_change_needs_a_token(client):
    response = client.put(PASSWORD, json={"current_password": "a", "new_password": "b"})
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"
