"""What was paid: app payments count in balances and bill statuses at once, and only once."""

from __future__ import annotations

import csv
import datetime as dt
import io

from ekesco_api.cis_import.service import import_directory
from ekesco_api.clock import local_today
from ekesco_api.meters import service as meter_service
from ekesco_api.payments import cis_export, housekeeping
from tests.factories import make_bill, make_meter
from tests.payments.helpers import API, create, meter_balance, paid_payment, pay


def test_a_succeeded_payment_lowers_the_balance_at_once(client, billed):
    assert meter_balance(client, billed)["amount_due"] == "28.88"
    payment = create(
        client, billed.headers, [{"meter_id": billed.meter.id, "amount": "20.00"}]
    ).get_json()
    # Pending at the bank: nothing paid yet.
    assert meter_balance(client, billed)["pending_payments"] == "0.00"
    pay(client, payment)
    body = meter_balance(client, billed)
    assert body["pending_payments"] == "20.00"
    assert body["amount_due"] == "8.88"
    account = client.get(f"{API}/balance", headers=billed.headers).get_json()
    assert (account["amount_due"], account["pending_payments"]) == ("8.88", "20.00")


def test_failed_and_expired_payments_do_not_count(client, db_session, billed):
    failed = create(client, billed.headers, [{"meter_id": billed.meter.id, "amount": "5"}])
    pay(client, failed.get_json(), status="failed")
    create(client, billed.headers, [{"meter_id": billed.meter.id, "amount": "6"}])
    housekeeping.expire_payments(db_session, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert meter_balance(client, billed)["amount_due"] == "28.88"


def test_a_full_payment_marks_the_bill_paid(client, billed):
    paid_payment(client, billed, amount="28.88")
    [bill] = client.get(f"{API}/meters/{billed.meter.id}/bills", headers=billed.headers).get_json()
    assert bill["status"] == "paid"


def test_the_cis_import_of_a_payment_already_counted_counts_it_once(
    client, db_session, billed, runner, tmp_path
):
    paid_payment(client, billed, amount="20.00", bank_reference="BNK-CIS-1")
    assert meter_balance(client, billed)["amount_due"] == "8.88"

    # Our export of the day is what the CIS gets; it brings the same rows back in payments.csv.
    today = local_today()
    out = io.StringIO()
    assert cis_export.export_payments(db_session, day=today, out=out) == 1
    (tmp_path / "payments.csv").write_text(out.getvalue(), encoding="utf-8")
    summary = import_directory(db_session, tmp_path)
    assert "payments.csv" in str(summary) or summary is not None

    body = meter_balance(client, billed)
    assert body["pending_payments"] == "0.00"
    assert body["amount_due"] == "8.88"  # not -11.12 (floored at 0.00), not 28.88


def test_a_multi_meter_payment_is_matched_item_by_item(client, db_session, billed, tmp_path):
    other = make_meter(db_session)
    make_bill(db_session, supply_point=other.supply_point, period="2026-01")
    meter_service.add_meter(
        db_session,
        account_id=billed.account.id,
        customer_code=other.supply_point.customer_code,
        meter_number=other.meter_number,
    )
    payment = create(
        client,
        billed.headers,
        [
            {"meter_id": billed.meter.id, "amount": "10.00"},
            {"meter_id": other.id, "amount": "28.88"},
        ],
    ).get_json()
    pay(client, payment, bank_reference="BNK-MULTI")
    account = client.get(f"{API}/balance", headers=billed.headers).get_json()
    assert (account["amount_due"], account["pending_payments"]) == ("18.88", "38.88")

    today = local_today()
    out = io.StringIO()
    cis_export.export_payments(db_session, day=today, out=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["reference"] for r in rows] == ["BNK-MULTI-1", "BNK-MULTI-2"]
    # The CIS has confirmed only the first customer code so far.
    (tmp_path / "payments.csv").write_text(
        out.getvalue().splitlines()[0] + "\n" + out.getvalue().splitlines()[1] + "\n",
        encoding="utf-8",
    )
    import_directory(db_session, tmp_path)
    account = client.get(f"{API}/balance", headers=billed.headers).get_json()
    assert (account["amount_due"], account["pending_payments"]) == ("18.88", "28.88")
