"""Support's customer care: the password reset end to end, contact fixes, removals."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text

from ekesco_api.accounts.models import Account
from ekesco_api.auth.models import SessionFamily
from ekesco_api.notifications.models import Message
from ekesco_api.passwords import check_password_policy
from ekesco_api.registration import codes
from ekesco_api.registration.models import VerificationCode
from ekesco_api.staff import customer_care
from tests.factories import (
    DEFAULT_PASSWORD,
    make_account,
    make_supply_point,
)
from tests.support.auth import TEMP_PASSWORD, bearer, login

CUSTOMERS = "/api/v1/staff/customers"


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_password_reset_end_to_end(client, db_session, support_headers, outbox, channel):
    account = make_account(db_session, language="en")
    old_session = login(client, account.email)
    response = client.post(
        f"/api/v1/staff/accounts/{account.id}/password-reset",
        json={"channel": channel},
        headers=support_headers,
    )
    assert response.status_code == 202
    assert response.get_data() == b""

    # The temporary password reached the registered address, in the account's language.
    [message] = outbox.sms if channel == "sms" else outbox.email
    assert message["to"] == (account.phone if channel == "sms" else account.email)
    assert "temporary" in message["body"]
    temporary = TEMP_PASSWORD.search(message["body"]).group(1)
    assert not re.search(r"\d{6}", message["body"])  # never mistaken for a code

    # Every session of the account ended.
    me = client.get("/api/v1/me", headers=bearer(old_session["access_token"]))
    assert me.status_code == 401
    refresh = client.post("/api/v1/auth/refresh", headers=bearer(old_session["refresh_token"]))
    assert refresh.status_code == 401
    # The old password is gone.
    old = client.post(
        "/api/v1/auth/login", json={"username": account.email, "password": DEFAULT_PASSWORD}
    )
    assert old.status_code == 401

    # The temporary password logs in only to change the password.
    response = client.post(
        "/api/v1/auth/login", json={"username": account.email, "password": temporary}
    )
    assert response.status_code == 403
    problem = response.get_json()
    assert problem["code"] == "password_change_required"
    scoped = bearer(problem["access_token"])
    assert client.get("/api/v1/me", headers=scoped).status_code == 403
    assert client.get(CUSTOMERS, query_string={"email": "x@y.z"}, headers=scoped).status_code == (
        403
    )

    new_password = "sunlit-meadow-oboe-2718"
    response = client.put(
        "/api/v1/me/password",
        json={"current_password": temporary, "new_password": new_password},
        headers=scoped,
    )
    assert response.status_code == 204, response.get_json()
    pair = login(client, account.email, new_password)
    assert client.get("/api/v1/me", headers=bearer(pair["access_token"])).status_code == 200


def test_reset_of_an_unknown_account_is_404(client, support_headers):
    response = client.post(
        "/api/v1/staff/accounts/999999/password-reset",
        json={"channel": "sms"},
        headers=support_headers,
    )
    assert (response.status_code, response.get_json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("body", [{}, {"channel": "push"}, {"channel": "pigeon"}])
def test_reset_channel_must_be_sms_or_email(client, db_session, support_headers, body):
    account = make_account(db_session)
    response = client.post(
        f"/api/v1/staff/accounts/{account.id}/password-reset", json=body, headers=support_headers
    )
    assert response.status_code == 422


def test_temporary_password_follows_the_account_language(
    client, db_session, support_headers, outbox
):
    account = make_account(db_session, language="sq")
    client.post(
        f"/api/v1/staff/accounts/{account.id}/password-reset",
        json={"channel": "sms"},
        headers={**support_headers, "Accept-Language": "en"},
    )
    [sms] = outbox.sms
    assert "temporary eKesco password" not in sms["body"]


# --- contact corrections --------------------------------------------------------------------


def test_correcting_the_email_tells_old_and_new_address(
    client, db_session, support_headers, outbox
):
    account = make_account(db_session, email="old@example.com", pending_email="typo@example.com")
    response = client.patch(
        f"/api/v1/staff/accounts/{account.id}",
        json={"email": "New.Address@example.com"},
        headers=support_headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["email"], body["pending_email"]) == ("New.Address@example.com", None)
    assert sorted(m["to"] for m in outbox.email) == ["New.Address@example.com", "old@example.com"]
    assert login(client, "new.address@example.com")["access_token"]


def test_correcting_the_phone_takes_any_usual_form_and_tells_both(
    client, db_session, support_headers, outbox
):
    account = make_account(db_session, phone="+38344111222")
    response = client.patch(
        f"/api/v1/staff/accounts/{account.id}",
        json={"phone": "049 333 444"},
        headers=support_headers,
    )
    assert response.status_code == 200
    assert response.get_json()["phone"] == "+38349333444"
    assert sorted(m["to"] for m in outbox.sms) == ["+38344111222", "+38349333444"]


def test_correcting_both_at_once(client, db_session, support_headers, outbox):
    account = make_account(db_session)
    response = client.patch(
        f"/api/v1/staff/accounts/{account.id}",
        json={"phone": "+38345555666", "email": "both@example.com"},
        headers=support_headers,
    )
    assert response.status_code == 200
    assert (len(outbox.sms), len(outbox.email)) == (2, 2)


def test_the_same_address_again_changes_and_tells_nothing(
    client, db_session, support_headers, outbox
):
    account = make_account(db_session, email="same@example.com")
    response = client.patch(
        f"/api/v1/staff/accounts/{account.id}",
        json={"email": "SAME@example.com"},
        headers=support_headers,
    )
    assert response.status_code == 200
    assert outbox.email == []


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("email", "taken@example.com", "email_taken"), ("phone", "044 777 888", "phone_taken")],
)
def test_an_address_of_another_account_is_409(
    client, db_session, support_headers, outbox, field, value, code
):
    make_account(db_session, email="taken@example.com", phone="+38344777888")
    account = make_account(db_session)
    response = client.patch(
        f"/api/v1/staff/accounts/{account.id}", json={field: value}, headers=support_headers
    )
    assert (response.status_code, response.get_json()["code"]) == (409, code)
    assert outbox.email == [] and outbox.sms == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"phone": "044 777 888"}, "phone_taken"),
        ({"phone": "044 777 888", "email": "free@example.com"}, "phone_taken"),
        ({"email": "taken@example.com"}, "email_taken"),
        ({"email": "taken@example.com", "phone": "+38345000111"}, "email_taken"),
    ],
)
def test_an_address_taken_after_the_check_is_409_with_its_own_code(
    client, db_session, support_headers, outbox, monkeypatch, body, code
):
    # The other account appears between the pre-check and the write: the unique constraint
    # decides, and the one that fired names the address.
    from ekesco_api.profile import service as profile_service

    monkeypatch.setattr(profile_service, "email_owner", lambda *_a, **_k: None)
    monkeypatch.setattr(profile_service, "phone_owner", lambda *_a, **_k: None)
    make_account(db_session, email="taken@example.com", phone="+38344777888")
    account = make_account(db_session)
    response = client.patch(
        f"/api/v1/staff/accounts/{account.id}", json=body, headers=support_headers
    )
    assert (response.status_code, response.get_json()["code"]) == (409, code)
    assert outbox.email == [] and outbox.sms == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"phone": "038 123 456"}, "phone_not_kosovo_mobile"),
        ({"email": "not-an-email"}, "validation_error"),
        ({}, "validation_error"),
    ],
)
def test_contact_corrections_are_validated(client, db_session, support_headers, body, code):
    account = make_account(db_session)
    response = client.patch(
        f"/api/v1/staff/accounts/{account.id}", json=body, headers=support_headers
    )
    assert (response.status_code, response.get_json()["code"]) == (422, code)


def test_correcting_an_unknown_account_is_404(client, support_headers):
    response = client.patch(
        "/api/v1/staff/accounts/999999", json={"email": "x@example.com"}, headers=support_headers
    )
    assert response.status_code == 404


# --- removing a registration ----------------------------------------------------------------


def test_removing_a_registration_frees_the_code(client, db_session, support_headers, outbox):
    supply_point = make_supply_point(db_session, customer_code="DPE 0101010")
    account = make_account(db_session, supply_point=supply_point, verified=False)
    codes.issue_code(
        db_session,
        account=account,
        purpose="registration",
        channel="sms",
        destination=account.phone,
    )
    db_session.commit()
    account_id = account.id
    login_pair = client.post(
        "/api/v1/auth/login", json={"username": account.email, "password": DEFAULT_PASSWORD}
    )
    assert login_pair.status_code == 403  # not verified: the stale registration

    response = client.delete(
        "/api/v1/staff/registrations/dpe0101010",
        json={"reason": "Holder came with ID; the phone on the old registration is not theirs."},
        headers=support_headers,
    )
    assert response.status_code == 204
    db_session.expire_all()
    assert db_session.get(Account, account_id) is None
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(VerificationCode)
            .where(VerificationCode.account_id == account_id)
        )
        == 0
    )
    assert (
        db_session.scalar(
            select(func.count())
            .select_from(SessionFamily)
            .where(SessionFamily.account_id == account_id)
        )
        == 0
    )
    # The message log stays, without the link to the removed account.
    kept = db_session.scalars(select(Message).where(Message.kind == "verification_code")).all()
    assert kept and all(m.account_id is None for m in kept if m.recipient == account.phone)

    # The holder can register on the code now.
    response = client.post(
        "/api/v1/auth/register",
        json={
            "customer_code": "DPE 0101010",
            "first_name": "Arben",
            "last_name": "Krasniqi",
            "phone": "044 654 321",
            "email": "arben.new@example.com",
            "personal_number": supply_point.personal_number,
            "id_card_expiry": "2031-01-01",
            "password": "copper-lantern-field-99",
        },
    )
    assert response.status_code == 201, response.get_json()


def test_removing_needs_a_reason(client, db_session, support_headers):
    account = make_account(db_session)
    for body in ({}, {"reason": ""}, {"reason": "  "}):
        response = client.delete(
            f"/api/v1/staff/registrations/{account.supply_point.customer_code}",
            json=body,
            headers=support_headers,
        )
        assert response.status_code == 422
    assert db_session.get(Account, account.id) is not None


@pytest.mark.parametrize("registered", [False, True])
def test_removing_where_nobody_is_registered_is_404(
    client, db_session, support_headers, registered
):
    supply_point = make_supply_point(db_session)
    code = supply_point.customer_code if registered else "DPR 0000001"
    response = client.delete(
        f"/api/v1/staff/registrations/{code}",
        json={"reason": "Holder asked."},
        headers=support_headers,
    )
    assert response.status_code == 404


def test_removal_stops_at_rows_whose_table_did_not_say_what_to_do(
    client, db_session, support_headers
):
    # A table of some future domain, pointing at accounts without ON DELETE.
    db_session.execute(
        text(
            "CREATE TABLE staff_test_keeps (id INTEGER PRIMARY KEY,"
            " account_id INTEGER NOT NULL REFERENCES accounts (id))"
        )
    )
    account = make_account(db_session)
    db_session.execute(
        text("INSERT INTO staff_test_keeps (id, account_id) VALUES (1, :a)"), {"a": account.id}
    )
    response = client.delete(
        f"/api/v1/staff/registrations/{account.supply_point.customer_code}",
        json={"reason": "Holder asked."},
        headers=support_headers,
    )
    assert (response.status_code, response.get_json()["code"]) == (409, "registration_in_use")
    db_session.expire_all()
    assert db_session.get(Account, account.id) is not None


def test_temporary_passwords_pass_the_policy_and_differ(db_session):
    account = make_account(db_session)
    seen = {customer_care.temporary_password(account) for _ in range(20)}
    assert len(seen) == 20
    for password in seen:
        assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
        assert not re.search(r"\d{6}", password)
        check_password_policy(password, personal=[account.first_name, account.email])
