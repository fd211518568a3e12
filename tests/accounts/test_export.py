"""GET /me/export: everything held about an account, one JSON document written as it is read."""

from __future__ import annotations

import datetime as dt
import json
import tracemalloc
from decimal import Decimal

from sqlalchemy import insert

from ekesco_api.accounts.export import sections, write_export
from ekesco_api.bills.models import Bill
from ekesco_api.meters import service as meter_service
from ekesco_api.notifications.models import Device, Message, Notification
from ekesco_api.types import utcnow
from tests.factories import (
    DEFAULT_PASSWORD,
    make_account,
    make_app_payment,
    make_meter,
    make_supply_point,
)
from tests.support.auth import bearer, login

EXPORT = "/api/v1/me/export"
METERS, YEARS = 10, 5


def _bills(session, supply_point_id, months):
    rows = []
    for n in range(months):
        year, month = 2021 + n // 12, n % 12 + 1
        rows.append(
            {
                "bill_number": f"B{supply_point_id:05d}{year}{month:02d}",
                "supply_point_id": supply_point_id,
                "period": f"{year}-{month:02d}",
                "issued_on": dt.date(year, month, 5),
                "due_on": dt.date(year, month, 25),
                "kwh_high": Decimal("210.50"),
                "kwh_low": Decimal("120.25"),
                "energy_amount": Decimal("30.00"),
                "fixed_fee": Decimal("1.74"),
                "vat_amount": Decimal("2.54"),
                "previous_balance": Decimal("0.00"),
                "total": Decimal("34.28"),
            }
        )
    session.execute(insert(Bill), rows)


def _long_customer(session):
    """An account holding 10 meters, each code with 5 years of bills, and the news of them."""
    point = make_supply_point(session)
    account = make_account(session, supply_point=point)
    points = [point]
    make_meter(session, supply_point=point)
    for _ in range(METERS - 1):
        meter = make_meter(session)
        meter_service.add_meter(
            session,
            account_id=account.id,
            customer_code=meter.supply_point.customer_code,
            meter_number=meter.meter_number,
        )
        points.append(meter.supply_point)
    for each in points:
        _bills(session, each.id, 12 * YEARS)
    # A new-bill notice and a due-date reminder of every bill, in the inbox and by e-mail.
    notices = 2 * METERS * 12 * YEARS
    session.execute(
        insert(Notification),
        [
            {
                "account_id": account.id,
                "kind": "bill_issued",
                "title": "A new bill",
                "body": f"The bill for month {n} is 34,28 €, due by the 25th.",
                "created_at": utcnow(),
            }
            for n in range(notices)
        ],
    )
    session.execute(
        insert(Message),
        [
            {
                "account_id": account.id,
                "channel": "email",
                "kind": "bill_issued",
                "recipient": account.email,
                "subject": "A new bill",
                "body": f"The bill for month {n} is 34,28 €, due by the 25th.",
                "status": "sent",
                "attempts": 1,
                "next_attempt_at": utcnow(),
                "created_at": utcnow(),
            }
            for n in range(notices)
        ],
    )
    session.flush()
    return account


def _size_and_peak(session, account_id):
    tracemalloc.start()
    try:
        size = 0
        for piece in write_export(
            session, account_id=account_id, language="en", exported_at=utcnow()
        ):
            size += len(piece.encode())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return size, peak


def test_five_years_of_ten_meters_are_written_in_bounded_memory(db_session):
    account = _long_customer(db_session)
    whole = "".join(
        write_export(db_session, account_id=account.id, language="en", exported_at=utcnow())
    )
    document = json.loads(whole)
    assert len(document["bills"]) == METERS * 12 * YEARS
    assert len(document["inbox"]) == len(document["messages"]) == 2 * METERS * 12 * YEARS

    size, peak = _size_and_peak(db_session, account.id)

    # Held whole, the document would take at least its own size (more as a Python string, and
    # several times that as objects); written as read, the peak is a chunk of rows and a piece
    # of text whatever the size (140-180 kB here, for 750 kB written).
    assert size == len(whole.encode()) and size > 600_000
    assert peak < size / 3, (size, peak)


def test_the_document_holds_what_the_service_keeps_and_no_secret(client, db_session):
    point = make_supply_point(db_session, customer_code="DPR 0123456")
    meter = make_meter(db_session, supply_point=point)
    account = make_account(db_session, supply_point=point, first_name="Arbën")
    _bills(db_session, point.id, 2)
    payment = make_app_payment(db_session, meter, "12.30")
    payment.account_id = account.id
    db_session.add(Device(account_id=account.id, platform="ios", push_token="secret-push-token"))
    db_session.flush()
    response = client.post(
        "/api/v1/auth/login",
        json={"username": account.email, "password": DEFAULT_PASSWORD},
        headers={"User-Agent": "eKesco/3.1 (iPhone; iOS 17.4)"},
    )
    pair = response.get_json()

    response = client.get(EXPORT, headers={**bearer(pair["access_token"]), "Accept-Language": "en"})

    assert response.status_code == 200
    # Streamed: no length is known before the last piece is written.
    assert "Content-Length" not in response.headers
    assert response.headers["Content-Disposition"].startswith('attachment; filename="ekesco-data-')
    text = response.get_data(as_text=True)
    document = json.loads(text)
    assert document["format"] == "ekesco-account-export" and document["complete"] is True
    assert document["account"]["first_name"] == "Arbën"
    assert document["account"]["customer_code"] == "DPR 0123456"
    assert [m["meter_number"] for m in document["meters"]] == [meter.meter_number]
    assert [b["period"] for b in document["bills"]] == ["2021-01", "2021-02"]
    assert document["bills"][0]["total"] == "34.28"
    assert document["payments"][0]["amount"] == "12.30"
    assert document["payments"][0]["items"][0]["customer_code"] == "DPR 0123456"
    assert document["devices"][0]["platform"] == "ios"
    [session] = document["sessions"]
    assert session["user_agent"] == "eKesco/3.1 (iPhone; iOS 17.4)"
    assert session["started_at"].endswith("Z") and session["ended_at"] is None
    for secret in (
        "secret-push-token",
        pair["access_token"],
        pair["refresh_token"],
        account.password_hash,
    ):
        assert secret not in text
    # A person reads it: indented, and "ë" as itself.
    assert '\n  "account": {\n    "account_id"' in text and "Arbën" in text


def test_every_domain_that_holds_account_data_has_a_section():
    names = [part.name for part in sections()]
    assert names[:4] == ["account", "meters", "bills", "payments"]
    expected = {
        "inbox",
        "messages",
        "devices",
        "notification_preferences",
        "subscriptions",
        "sessions",
        "password_reset_links",
        "verification_codes",
        "support_actions",
        "requests",
        "disconnections",
        "payment_agreements",
    }
    assert expected <= set(names)


def test_an_account_deleted_meanwhile_gets_no_copy(client, db_session):
    account = make_account(db_session)
    headers = bearer(login(client, account.email)["access_token"])
    client.delete("/api/v1/me", json={"password": DEFAULT_PASSWORD}, headers=headers)
    assert client.get(EXPORT, headers=headers).status_code == 401
