"""The CIS export (`ekesco export-payments`): a local day's succeeded payments as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

from ekesco_api.clock import local_today
from ekesco_api.payments import cis_export
from ekesco_api.payments.models import Payment
from tests.payments.helpers import create, paid_payment, pay


def test_the_export_command_writes_the_local_days_succeeded_payments(
    client, db_session, billed, runner, tmp_path
):
    payment = paid_payment(client, billed, amount="12.00", bank_reference="BNK-EXP-1")
    create(client, billed.headers, [{"meter_id": billed.meter.id, "amount": "3"}])  # pending
    failed = create(client, billed.headers, [{"meter_id": billed.meter.id, "amount": "4"}])
    pay(client, failed.get_json(), status="failed")
    today = local_today()

    target = tmp_path / "out.csv"
    result = runner.invoke(
        args=["ekesco", "export-payments", "--date", today.isoformat(), "--out", str(target)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows == [
        {
            "reference": "BNK-EXP-1",
            "customer_code": billed.supply_point.customer_code,
            "amount": "12.00",
            "paid_at": rows[0]["paid_at"],
            "channel": "ekesco",
            "payment_id": str(payment["id"]),
            "bank_reference": "BNK-EXP-1",
            "meter_number": billed.meter.meter_number,
            "bill_number": "",
        }
    ]
    assert rows[0]["paid_at"].endswith("Z")
    # Another day has none; standard output works too.
    result = runner.invoke(
        args=["ekesco", "export-payments", "--date", (today - dt.timedelta(days=1)).isoformat()]
    )
    assert result.exit_code == 0
    assert result.output.strip().splitlines() == [",".join(cis_export.EXPORT_COLUMNS)]


def test_the_local_day_is_belgrade_time(client, db_session, billed):
    payment = paid_payment(client, billed)
    row = db_session.get(Payment, payment["id"])
    # 23:30 UTC on 31 March is 01:30 on 1 April in Prishtina (summer time).
    row.completed_at = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
    db_session.flush()
    march, april = io.StringIO(), io.StringIO()
    assert cis_export.export_payments(db_session, day=dt.date(2026, 3, 31), out=march) == 0
    assert cis_export.export_payments(db_session, day=dt.date(2026, 4, 1), out=april) == 1


def test_an_invalid_export_date_is_a_usage_error(runner):
    result = runner.invoke(args=["ekesco", "export-payments", "--date", "24.11.2026"])
    assert result.exit_code == 2
