"""Closing an account: DELETE /me, and support's removal of a registration by the same path."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from ekesco_api.accounts.models import Account
from ekesco_api.auth.models import SessionFamily
from ekesco_api.clock import local_date
from ekesco_api.notifications.models import (
    ERASED_BODY,
    Device,
    Message,
    Notification,
    NotificationChannels,
)
from ekesco_api.notifications.service import queue_message
from ekesco_api.outages.models import AreaSubscription
from ekesco_api.payments.cis_export import export_payments
from ekesco_api.payments.models import Payment
from ekesco_api.staff.models import AuditEntry
from tests.concurrency import run_at_once
from tests.factories import (
    DEFAULT_PASSWORD,
    make_account,
    make_app_payment,
    make_area,
    make_meter,
    make_staff,
    make_supply_point,
)
from tests.support.auth import bearer, login, staff_login

ME = "/api/v1/me"
REFRESH = "/api/v1/auth/refresh"


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _holder(session, **account):
    """An account with what a customer gathers: a device, channels, a followed area, an inbox
    entry, a message sent and one still queued, and a card payment the bank confirmed today."""
    point = make_supply_point(session, customer_code="DPE 0101010")
    meter = make_meter(session, supply_point=point)
    holder = make_account(session, supply_point=point, **account)
    session.add_all(
        [
            Device(account_id=holder.id, platform="android", push_token=f"push-{holder.id}"),
            NotificationChannels(account_id=holder.id, sms=True),
            AreaSubscription(account_id=holder.id, area_id=make_area(session).id),
            Notification(account_id=holder.id, kind="outage", title="t", body="b"),
        ]
    )
    sent = queue_message(
        session,
        channel="sms",
        to=holder.phone,
        body="sent",
        kind="x",
        account_id=holder.id,
        send_after_commit=False,
    )
    sent.status, sent.sent_at = "sent", dt.datetime.now(dt.UTC)
    queue_message(
        session,
        channel="sms",
        to=holder.phone,
        body="queued",
        kind="x",
        account_id=holder.id,
        send_after_commit=False,
    )
    payment = make_app_payment(session, meter, "12.30", cis_reference="BANK-77")
    payment.account_id, payment.bank_reference = holder.id, "BANK-77"
    session.flush()
    return holder, payment


def test_a_wrong_password_deletes_nothing(client, db_session):
    account = make_account(db_session)
    headers = bearer(login(client, account.email)["access_token"])
    response = client.delete(ME, json={"password": "not-the-password"}, headers=headers)
    assert (response.status_code, response.get_json()["code"]) == (401, "invalid_credentials")
    assert client.get(ME, headers=headers).status_code == 200


def test_deleting_takes_the_account_and_keeps_the_payments_without_contact_data(
    client, db_session, outbox
):
    holder, payment = _holder(db_session, language="en", email="arben@example.com")
    account_id, phone = holder.id, holder.phone
    pair = login(client, holder.email)
    headers = bearer(pair["access_token"])

    response = client.delete(ME, json={"password": DEFAULT_PASSWORD}, headers=headers)

    assert response.status_code == 204
    # The access token issued before is refused on its very next request, and so is the
    # refresh token: the session is gone.
    again = client.get(ME, headers=headers)
    assert (again.status_code, again.get_json()["code"]) == (401, "token_revoked")
    refresh = client.post(REFRESH, headers=bearer(pair["refresh_token"]))
    assert refresh.status_code == 401
    db_session.expire_all()
    assert db_session.get(Account, account_id) is None
    for model in (SessionFamily, Device, NotificationChannels, AreaSubscription, Notification):
        assert _count(db_session, model, model.account_id == account_id) == 0, model
    # The payment stays, unlinked, and still reaches the CIS.
    kept = db_session.get(Payment, payment.id)
    assert kept is not None and kept.account_id is None
    out = io.StringIO()
    export_payments(db_session, day=local_date(payment.completed_at), out=out)
    assert "BANK-77,DPE 0101010,12.30" in out.getvalue()
    # The message log keeps what was sent when, not to whom nor what; the queued one is given up.
    logged = db_session.scalars(select(Message).where(Message.kind == "x")).all()
    assert {(m.status, m.recipient, m.body) for m in logged} == {
        ("sent", "", ERASED_BODY),
        ("failed", "", ERASED_BODY),
    }
    assert not any(phone in (m.recipient, m.body) for m in db_session.scalars(select(Message)))
    # The last word goes to the old address, in the account's language.
    [farewell] = outbox.email
    assert farewell["to"] == "arben@example.com"
    assert farewell["subject"] == "Your eKesco account was deleted"
    assert "DPE 0101010" in farewell["body"]
    assert outbox.sms == []


def test_the_code_e_mail_and_phone_can_be_registered_again_at_once(client, db_session):
    holder, _payment = _holder(db_session)
    headers = bearer(login(client, holder.email)["access_token"])
    assert (
        client.delete(ME, json={"password": DEFAULT_PASSWORD}, headers=headers).status_code == 204
    )

    response = client.post(
        "/api/v1/auth/register",
        json={
            "customer_code": "dpe-0101010",
            "first_name": "Arben",
            "last_name": "Krasniqi",
            "phone": holder.phone,
            "email": holder.email,
            "personal_number": holder.supply_point.personal_number,
            "id_card_expiry": "2031-01-01",
            "password": "copper-lantern-field-99",
        },
    )
    assert response.status_code == 201, response.get_json()


def test_wrong_passwords_are_limited_per_account(client, db_session, app, monkeypatch):
    monkeypatch.setitem(app.config, "ACCOUNT_DELETE_RATE_LIMIT_PER_IP", "100/minute")
    account = make_account(db_session)
    headers = bearer(login(client, account.email)["access_token"])
    answers = [
        client.delete(ME, json={"password": f"wrong-{n}"}, headers=headers).status_code
        for n in range(7)
    ]
    assert answers == [401] * 5 + [429] * 2
    # Even the right password waits for the window now.
    response = client.delete(ME, json={"password": DEFAULT_PASSWORD}, headers=headers)
    assert response.status_code == 429
    assert db_session.get(Account, account.id) is not None


def test_a_token_scoped_to_the_password_change_cannot_delete(client, db_session):
    account = make_account(db_session, password_change_required=True)
    response = client.post(
        "/api/v1/auth/login", json={"username": account.email, "password": DEFAULT_PASSWORD}
    )
    headers = bearer(response.get_json()["access_token"])
    response = client.delete(ME, json={"password": DEFAULT_PASSWORD}, headers=headers)
    assert (response.status_code, response.get_json()["code"]) == (403, "password_change_required")


# --- support's removal: the same path -------------------------------------------------------


def test_support_removal_takes_the_same_path(client, db_session, outbox):
    holder, payment = _holder(db_session, language="sr")
    customer_headers = bearer(login(client, holder.email)["access_token"])
    support = bearer(staff_login(client, make_staff(db_session))["access_token"])

    response = client.delete(
        "/api/v1/staff/registrations/DPE0101010",
        json={"reason": "The holder came with an ID card."},
        headers=support,
    )

    assert response.status_code == 204
    assert client.get(ME, headers=customer_headers).status_code == 401
    db_session.expire_all()
    assert db_session.get(Payment, payment.id).account_id is None
    assert _count(db_session, Message, Message.recipient == holder.phone) == 0
    [farewell] = outbox.email
    assert (farewell["to"], farewell["subject"]) == (
        holder.email,
        "Vaša eKesco registracija je uklonjena",
    )
    [entry] = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "registration_remove")
    ).all()
    assert entry.account_id == holder.id
    assert holder.email not in str(entry.details) and holder.phone not in str(entry.details)


def test_an_unconfirmed_registration_removed_by_support_gets_no_e_mail(client, db_session, outbox):
    pending = make_account(db_session, verified=False)
    support = bearer(staff_login(client, make_staff(db_session))["access_token"])
    response = client.delete(
        f"/api/v1/staff/registrations/{pending.supply_point.customer_code}",
        json={"reason": "A stranger typed the holder's code."},
        headers=support,
    )
    assert response.status_code == 204
    assert outbox.email == []


@pytest.mark.race
def test_two_deletions_at_once_delete_once(app, db_session, outbox):
    with app.app_context():
        account = make_account(db_session)
        db_session.commit()
        headers = bearer(login(app.test_client(), account.email)["access_token"])

    def delete(_index):
        response = app.test_client().delete(
            ME, json={"password": DEFAULT_PASSWORD}, headers=headers
        )
        return response.status_code

    assert sorted(run_at_once(2, delete)) == [204, 401]
    assert len(outbox.email) == 1
