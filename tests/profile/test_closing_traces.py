"""DELETE /me leaves no trace of the account, checked over the whole schema, not table by table.

Every column that links to an account (a foreign key to accounts.id, a link kept without one,
any column named `account_id`) is found from the metadata. The account first gets a row in
each, so a table added later fails here until its rows are shown to go or to stay unlinked.
After the deletion no row links to the account, and no text or JSON column of any table holds
its e-mail addresses or its phone number, with two exceptions, both by design:
- the confirmation e-mail's outbox row (no account link, to the old address): the last message
  that address gets (profile.closing);
- `audit_entries.account_id`: the staff audit trail is append-only and names the account support
  acted on (docs/domain.md, "The customer's data"); its entries never spell contact data, which
  the scan below holds them to as well.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, String, Table, select

from ekesco_api.accounts.models import Account
from ekesco_api.accounts.removal import ACCOUNT_LINK
from ekesco_api.auth.models import PasswordResetToken
from ekesco_api.bills.models import NOTICE_ISSUED, BillNotice
from ekesco_api.db import Base
from ekesco_api.disconnection.models import (
    DisconnectionCase,
    DisconnectionNotice,
    Objection,
    PaymentAgreement,
)
from ekesco_api.meters.account_models import BlockWarning
from ekesco_api.notifications.models import Message
from ekesco_api.outages.models import Outage, OutageReminder
from ekesco_api.payments.arrangement_models import DueArrangement
from ekesco_api.payments.callback import callback_signature
from ekesco_api.profile.closing import KIND_DELETED
from ekesco_api.types import utcnow
from tests.factories import DEFAULT_PASSWORD, make_area, make_bill, make_meter, make_staff
from tests.support.auth import API, bearer, login, staff_login
from tests.support.customers import add_meter, make_customer

EMAIL, NEW_EMAIL, PHONE = "arta.gashi@example.com", "arta.new@example.net", "+38349876543"
# Kept on purpose, see the module's docstring.
KEPT_LINKS = {("audit_entries", "account_id")}


def _account_links() -> list[tuple[Table, Any]]:
    accounts = Account.__table__
    return [
        (table, column)
        for table in Base.metadata.sorted_tables
        if table is not accounts
        for column in table.columns
        if column.name == "account_id"
        or ACCOUNT_LINK in column.info
        or any(key.column.table is accounts for key in column.foreign_keys)
    ]


def _linked(session, account_id: int) -> set[tuple[str, str]]:
    """(table, column) of every link column holding a row of the account."""
    return {
        (table.name, column.name)
        for table, column in _account_links()
        if session.execute(select(column).where(column == account_id).limit(1)).first()
    }


def _contact_data_left(session) -> list[tuple[str, str, Any]]:
    """(table, column, row id) of every text or JSON value that spells the contact data."""
    digits = re.sub(r"\D", "", PHONE)[-8:]
    farewell = {"kind": KIND_DELETED, "account_id": None}
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | JSON)]
        for row in session.execute(select(table)).mappings() if columns else ():
            if table.name == "messages" and farewell.items() <= dict(row).items():
                continue  # the confirmation e-mail
            for column in columns:
                value = row[column.name]
                text = value if isinstance(value, str) else json.dumps(value)
                if (
                    EMAIL in text.lower()
                    or NEW_EMAIL in text.lower()
                    or digits in re.sub(r"\D", "", text)
                ):
                    found.append((table.name, column.name, row.get("id")))
    return found


def _disconnection_records(session, customer) -> None:
    now = utcnow()
    point = customer.supply_point
    case = DisconnectionCase(
        supply_point_id=point.id,
        stage="warned",
        reason="non_payment",
        amount_due=Decimal("80.00"),
        warned_at=now,
        last_event_at=now,
    )
    arrangement = DueArrangement(
        supply_point_id=point.id,
        kind="payment_agreement",
        total=Decimal("80.00"),
        installments=2,
        first_due_on=now.date(),
        counted_from=now,
    )
    session.add_all([case, arrangement])
    session.flush()
    session.add_all(
        [
            DisconnectionNotice(
                case_id=case.id,
                kind="warning",
                issued_at=now,
                account_id=customer.account.id,
                language="sq",
                confirm_by=now + dt.timedelta(days=2),
            ),
            Objection(
                case_id=case.id,
                account_id=customer.account.id,
                reason="I paid at the post office.",
                filed_at=now,
            ),
            PaymentAgreement(
                supply_point_id=point.id,
                account_id=customer.account.id,
                arrangement_id=arrangement.id,
                status="proposed",
                created_at=now,
            ),
        ]
    )


def _news_records(session, customer) -> None:
    now = utcnow()
    outage = Outage(
        kind="planned",
        starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=2, hours=3),
        reason_sq="Punime",
        reason_en="Works",
        reason_sr="Radovi",
    )
    session.add(outage)
    session.flush()
    session.add_all(
        [
            OutageReminder(
                outage_id=outage.id,
                account_id=customer.account.id,
                starts_at=outage.starts_at,
                run_id="run-1",
            ),
            BlockWarning(
                meter_id=customer.meter.id,
                period="2026-11",
                account_id=customer.account.id,
                kwh=Decimal("700"),
                threshold_kwh=Decimal("640"),
            ),
            BillNotice(
                bill_id=make_bill(session, supply_point=customer.supply_point).id,
                kind=NOTICE_ISSUED,
                account_id=customer.account.id,
                status="sent",
                created_at=now,
            ),
            PasswordResetToken(
                account_id=customer.account.id,
                token_hash=uuid.uuid4().hex,
                expires_at=now + dt.timedelta(minutes=30),
            ),
        ]
    )
    session.commit()


def _a_customer_who_used_everything(client, db_session):
    """The account, with a row in every table that links to one, made the way the app makes
    them where the app has a way (the rest as the sweeps and workers write them)."""
    customer = make_customer(db_session)
    account = customer.account
    account.email, account.email_key, account.phone = EMAIL, EMAIL, PHONE
    db_session.commit()
    headers = customer.headers = bearer(login(client, EMAIL)["access_token"])
    agent = bearer(staff_login(client, make_staff(db_session))["access_token"])
    calls = [
        ("POST", "/me/devices", {"platform": "android", "push_token": "push-token-1"}),
        (
            "PATCH",
            "/me/notification-preferences",
            {"channels": ["push", "sms", "email"], "kinds": {"bill_due": False}},
        ),
        ("PUT", "/me/subscriptions", {"area_ids": [make_area(db_session).id], "channels": []}),
        ("POST", "/requests", {"kind": "request", "topic": "data_update", "description": "Hi."}),
        ("PATCH", "/me", {"email": NEW_EMAIL}),
    ]
    for method, path, body in calls:
        response = client.open(f"{API}{path}", method=method, json=body, headers=headers)
        assert response.status_code < 300, (path, response.get_json())
    assert add_meter(client, customer, make_meter(db_session)).status_code == 201
    reference = client.get(f"{API}/requests", headers=headers).get_json()[0]["reference"]
    assert client.get(f"{API}/staff/requests/{reference}", headers=agent).status_code == 200
    assert client.get(f"{API}/staff/customers?email={EMAIL}", headers=agent).status_code == 200
    _pay(client, customer, headers)
    _disconnection_records(db_session, customer)
    _news_records(db_session, customer)
    return account.id, headers


def _pay(client, customer, headers) -> None:
    created = client.post(
        f"{API}/payments",
        json={"items": [{"meter_id": customer.meter.id, "amount": "12.30"}]},
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201, created.get_json()
    payment = created.get_json()
    raw = json.dumps(
        {
            "payment_id": payment["id"],
            "status": "succeeded",
            "bank_reference": "BNK-77",
            "amount": payment["amount"],
            "currency": payment["currency"],
        }
    ).encode()
    stamp = str(int(time.time()))
    secret = client.application.config["PAYMENT_WEBHOOK_SECRET"]
    confirmed = client.post(
        f"{API}/payments/callback",
        data=raw,
        headers={
            "Content-Type": "application/json",
            "X-Timestamp": stamp,
            "X-Signature": callback_signature(secret, stamp, raw),
        },
    )
    assert confirmed.status_code == 200, confirmed.get_json()


def test_after_delete_me_no_table_links_to_the_account_or_keeps_its_contact_data(
    client, db_session
):
    account_id, headers = _a_customer_who_used_everything(client, db_session)
    every_link = {(table.name, column.name) for table, column in _account_links()}
    assert _linked(db_session, account_id) == every_link, "a link the scenario does not fill"
    assert _contact_data_left(db_session)

    response = client.delete(f"{API}/me", json={"password": DEFAULT_PASSWORD}, headers=headers)

    assert response.status_code == 204
    db_session.expire_all()
    assert _linked(db_session, account_id) == KEPT_LINKS
    assert _contact_data_left(db_session) == []
    [farewell] = db_session.scalars(select(Message).where(Message.kind == KIND_DELETED)).all()
    assert (farewell.recipient, farewell.account_id) == (EMAIL, None)
