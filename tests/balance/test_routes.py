"""Balances: the latest bill less the payments made since, per meter and over the account."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from ekesco_api.balance import service as balance_service
from ekesco_api.cis_import.models import ImportRun
from ekesco_api.clock import local_midnight
from tests.factories import make_app_payment, make_bill, make_cis_payment, make_meter, utc
from tests.support.auth import API, dispatcher_headers, logged_out
from tests.support.customers import add_meter, make_customer
from tests.support.logs import captured_logs


def _balance(client, customer, meter=None):
    meter = meter or customer.meter
    response = client.get(f"{API}/meters/{meter.id}/balance", headers=customer.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_meter_without_bills_owes_nothing(client, db_session):
    customer = make_customer(db_session)
    body = _balance(client, customer)
    assert body["amount_due"] == "0.00"
    assert body["pending_payments"] == "0.00"
    assert body["latest_bill"] is None
    assert body["reading_mode"] == "remote"
    assert body["meter_id"] == customer.meter.id


def test_amount_due_is_the_latest_bill_less_the_payments_since(client, db_session):
    customer = make_customer(db_session, reading_mode="manual")
    point = customer.supply_point
    make_bill(db_session, supply_point=point, period="2025-01", total=Decimal("30.00"))
    latest = make_bill(
        db_session,
        supply_point=point,
        period="2025-02",
        issued_on=dt.date(2025, 3, 5),
        due_on=dt.date(2025, 3, 20),
        energy_amount=Decimal("40.00"),
        previous_balance=Decimal("30.00"),
    )
    assert latest.total == Decimal("73.88")
    since = local_midnight(dt.date(2025, 3, 5))  # 4 March 23:00 UTC
    make_cis_payment(db_session, supply_point=point, amount=Decimal("10.00"), paid_at=since)
    make_cis_payment(
        db_session, supply_point=point, amount=Decimal("5.50"), paid_at=utc(2025, 3, 12, 8)
    )
    # Before the bill (already in its previous balance), and another customer's payment.
    make_cis_payment(
        db_session,
        supply_point=point,
        amount=Decimal("99.00"),
        paid_at=since - dt.timedelta(seconds=1),
    )
    make_cis_payment(db_session, amount=Decimal("7.00"), paid_at=utc(2025, 3, 12))

    body = _balance(client, customer)

    assert body["amount_due"] == "58.38"
    assert body["reading_mode"] == "manual"
    assert body["latest_bill"] == {
        "id": latest.id,
        "bill_number": latest.bill_number,
        "period": "2025-02",
        "issued_on": "2025-03-05",
        "due_on": "2025-03-20",
        "total": "73.88",
    }


@pytest.mark.parametrize(("paid", "due"), [("28.88", "0.00"), ("50.00", "0.00"), ("28.87", "0.01")])
def test_a_paid_bill_owes_nothing_and_an_overpayment_is_not_a_debt(client, db_session, paid, due):
    customer = make_customer(db_session)
    make_bill(db_session, supply_point=customer.supply_point)  # 28.88, issued 5 Feb 2025
    make_cis_payment(db_session, supply_point=customer.supply_point, amount=Decimal(paid))
    assert _balance(client, customer)["amount_due"] == due


def test_last_synced_at_is_the_last_finished_import(client, db_session):
    customer = make_customer(db_session)
    assert _balance(client, customer)["last_synced_at"] is None
    db_session.add_all(
        [
            ImportRun(started_at=utc(2031, 5, 1), finished_at=utc(2031, 5, 1, 0, 5)),
            ImportRun(started_at=utc(2031, 5, 2), finished_at=utc(2031, 5, 2, 0, 7)),
            ImportRun(started_at=utc(2031, 5, 3), finished_at=None),  # still running
        ]
    )
    db_session.flush()
    body = _balance(client, customer)
    assert body["last_synced_at"] == "2031-05-02T00:07:00Z"
    assert body["as_of"].endswith("Z")
    account = client.get(f"{API}/balance", headers=customer.headers).get_json()
    assert account["last_synced_at"] == "2031-05-02T00:07:00Z"


def test_account_balance_sums_each_customer_code_once(client, db_session):
    customer = make_customer(db_session)
    own_second = make_meter(db_session, supply_point=customer.supply_point)
    shop = make_meter(db_session, reading_mode="manual")
    flat = make_meter(db_session)  # added, never billed
    assert add_meter(client, customer, shop, nickname="Dyqani").status_code == 201
    assert add_meter(client, customer, flat).status_code == 201
    make_bill(db_session, supply_point=customer.supply_point)  # 28.88
    make_bill(db_session, supply_point=shop.supply_point, energy_amount=Decimal("100.00"))
    make_cis_payment(db_session, supply_point=shop.supply_point, amount=Decimal("3.88"))

    response = client.get(f"{API}/balance", headers=customer.headers)

    assert response.status_code == 200
    body = response.get_json()
    # 28.88 for the home (two meters, one code) + 103.88 - 3.88 for the shop.
    assert body["amount_due"] == "128.88"
    assert body["pending_payments"] == "0.00"
    rows = body["meters"]
    assert [r["meter_id"] for r in rows] == [customer.meter.id, own_second.id, shop.id, flat.id]
    assert [r["amount_due"] for r in rows] == ["28.88", "28.88", "100.00", "0.00"]
    assert [r["is_primary"] for r in rows] == [True, True, False, False]
    assert rows[2]["nickname"] == "Dyqani"
    assert rows[2]["reading_mode"] == "manual"
    assert rows[3]["latest_bill"] is None
    assert rows[0]["customer_code"] == customer.supply_point.customer_code


def test_an_account_without_meters_owes_nothing(client, db_session):
    customer = make_customer(db_session)
    db_session.delete(customer.meter)
    db_session.flush()
    body = client.get(f"{API}/balance", headers=customer.headers).get_json()
    assert body == {
        "amount_due": "0.00",
        "pending_payments": "0.00",
        "last_synced_at": None,
        "as_of": body["as_of"],
        "meters": [],
    }


def test_succeeded_app_payments_are_pending_until_the_cis_confirms_them(client, db_session):
    customer = make_customer(db_session)
    point = customer.supply_point
    make_bill(db_session, supply_point=point)  # 28.88, issued 5 Feb 2025
    make_app_payment(db_session, customer.meter, "20.00", cis_reference="APP-1")
    make_app_payment(db_session, customer.meter, "5.00", status="pending")  # still at the bank
    make_app_payment(db_session, customer.meter, "7.00", status="failed")

    meter = _balance(client, customer)
    account = client.get(f"{API}/balance", headers=customer.headers).get_json()

    assert (meter["amount_due"], meter["pending_payments"]) == ("8.88", "20.00")
    assert (account["amount_due"], account["pending_payments"]) == ("8.88", "20.00")
    bills = client.get(f"{API}/meters/{customer.meter.id}/bills", headers=customer.headers)
    assert bills.get_json()[0]["status"] == "partially_paid"

    # The import brings the payment back under the reference the export gave it.
    make_cis_payment(
        db_session,
        supply_point=point,
        reference="APP-1",
        amount=Decimal("20.00"),
        paid_at=utc(2025, 3, 1),
    )
    meter = _balance(client, customer)
    assert (meter["amount_due"], meter["pending_payments"]) == ("8.88", "0.00")


def test_an_app_payment_on_a_code_without_bills_is_pending(client, db_session):
    customer = make_customer(db_session)
    make_app_payment(db_session, customer.meter, "15.00")
    body = _balance(client, customer)
    assert (body["amount_due"], body["pending_payments"]) == ("0.00", "15.00")


def test_unconfirmed_app_payments_of_a_supply_point(db_session):
    from ekesco_api.payments.ledger import paid_since

    customer, other = make_customer(db_session), make_customer(db_session)
    make_app_payment(db_session, customer.meter, "3.10")
    make_app_payment(db_session, customer.meter, "1.00")
    point_id = customer.supply_point.id

    def pending(supply_point_id):
        return paid_since(
            db_session, supply_point_id=supply_point_id, since=dt.date(2025, 1, 1)
        ).pending

    assert pending(point_id) == Decimal("4.10")
    assert pending(other.supply_point.id) == 0


def test_the_lean_serializer_writes_what_the_documented_schemas_say(client, db_session):
    from ekesco_api.balance.schemas import (
        AccountBalanceSchema,
        MeterBalanceSchema,
        dump_account_balance,
        dump_meter_balance,
    )

    customer = make_customer(db_session)
    shop = make_meter(db_session)
    assert add_meter(client, customer, shop, nickname="Dyqani").status_code == 201
    make_bill(db_session, supply_point=customer.supply_point, total=Decimal("28.875"))
    db_session.add(ImportRun(started_at=utc(2031, 5, 1), finished_at=utc(2031, 5, 1, 0, 5, 7, 999)))
    db_session.flush()

    balance = balance_service.account_balance(db_session, account_id=customer.account.id)

    assert balance.meters[0].latest_bill is not None and balance.meters[1].latest_bill is None
    assert dump_account_balance(balance) == AccountBalanceSchema().dump(balance)
    for row in balance.meters:
        assert dump_meter_balance(row) == MeterBalanceSchema().dump(row)


def test_many_small_payments_add_up_to_the_cent(client, db_session):
    # SQLite sums in floating point (0.1 + 0.2 != 0.3 there); the balance must not show it.
    customer = make_customer(db_session)
    point = customer.supply_point
    make_bill(db_session, supply_point=point, period="2025-01", energy_amount=Decimal("1000.00"))
    for n in range(37):
        make_cis_payment(
            db_session, supply_point=point, amount=Decimal("0.10"), paid_at=utc(2025, 2, 10, 8, n)
        )
    for _ in range(3):
        make_app_payment(db_session, customer.meter, "0.07")
    body = _balance(client, customer)
    # 1003.88 (1000.00 + 1.74 fixed + 2.14 VAT) less 37 x 0.10 less 3 x 0.07
    assert (body["amount_due"], body["pending_payments"]) == ("999.97", "0.21")


def test_a_logged_out_session_reads_no_balance(client, db_session):
    # The balance statement finds the session ended itself (the guard leaves that to it).
    customer = make_customer(db_session)
    headers = logged_out(client, customer.headers)
    for url in (f"{API}/balance", f"{API}/meters/{customer.meter.id}/balance"):
        response = client.get(url, headers=headers)
        assert response.status_code == 401, url
        assert response.get_json()["code"] == "token_revoked"


def test_a_logged_out_session_is_refused_where_the_statement_finds_no_row(client, db_session):
    # No row to carry the answer: the guard looks the session up itself, and its 401 comes
    # before the view's own refusal, as when it looked first.
    customer = make_customer(db_session)
    stranger = make_meter(db_session)
    headers = logged_out(client, customer.headers)
    response = client.get(f"{API}/meters/{stranger.id}/balance", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_revoked"
    db_session.delete(customer.meter)
    db_session.flush()
    response = client.get(f"{API}/balance", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_revoked"


def test_an_ended_staff_session_is_refused_as_revoked_before_its_kind(client, db_session):
    headers = dispatcher_headers(db_session)
    assert client.post(f"{API}/auth/logout", headers=headers).status_code == 204
    response = client.get(f"{API}/balance", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_revoked"
    live = client.get(f"{API}/balance", headers=dispatcher_headers(db_session))
    assert live.status_code == 403
    assert live.get_json()["code"] == "forbidden"


def test_a_logged_out_sessions_request_is_logged_without_its_account(client, db_session):
    # As when the guard refused it before the view: the token was never accepted.
    customer = make_customer(db_session)
    headers = logged_out(client, customer.headers)
    stranger = make_meter(db_session)
    for url in (f"{API}/balance", f"{API}/meters/{stranger.id}/balance"):
        with captured_logs() as out:
            assert client.get(url, headers=headers).status_code == 401
        (line,) = [
            json.loads(text) for text in out.getvalue().splitlines() if '"ekesco.access"' in text
        ]
        assert line["status"] == 401 and "account_id" not in line, url
