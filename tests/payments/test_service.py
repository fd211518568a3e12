"""Payments and the rest: balances, bill statuses, the CIS import, expiry, keys, the CIS export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from ekesco_api.cis_import.service import import_directory
from ekesco_api.clock import local_today
from ekesco_api.meters import service as meter_service
from ekesco_api.payments import service as payment_service
from ekesco_api.payments.gateway import (
    SIGNED_FIELDS,
    CheckoutRequest,
    HostedPageGateway,
    gateway_from_config,
    request_signature_valid,
)
from ekesco_api.payments.models import IdempotencyKey, Payment
from tests.factories import make_bill, make_meter
from tests.meters.helpers import make_customer
from tests.payments.helpers import API, callback_body, create, pay, send_callback


def _balance(client, customer):
    response = client.get(f"{API}/meters/{customer.meter.id}/balance", headers=customer.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def billed(db_session):
    """A customer whose latest bill (January 2026) is 28.88 and unpaid."""
    customer = make_customer(db_session)
    make_bill(db_session, supply_point=customer.supply_point, period="2026-01")
    return customer


def _paid(client, customer, amount="20.00", **callback):
    payment = create(
        client, customer.headers, [{"meter_id": customer.meter.id, "amount": amount}]
    ).get_json()
    pay(client, payment, **callback)
    return payment


def test_a_succeeded_payment_lowers_the_balance_at_once(client, billed):
    assert _balance(client, billed)["amount_due"] == "28.88"
    payment = create(
        client, billed.headers, [{"meter_id": billed.meter.id, "amount": "20.00"}]
    ).get_json()
    # Pending at the bank: nothing paid yet.
    assert _balance(client, billed)["pending_payments"] == "0.00"
    pay(client, payment)
    body = _balance(client, billed)
    assert body["pending_payments"] == "20.00"
    assert body["amount_due"] == "8.88"
    account = client.get(f"{API}/balance", headers=billed.headers).get_json()
    assert (account["amount_due"], account["pending_payments"]) == ("8.88", "20.00")


def test_failed_and_expired_payments_do_not_count(client, db_session, billed):
    failed = create(client, billed.headers, [{"meter_id": billed.meter.id, "amount": "5"}])
    pay(client, failed.get_json(), status="failed")
    create(client, billed.headers, [{"meter_id": billed.meter.id, "amount": "6"}])
    payment_service.expire_payments(db_session, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert _balance(client, billed)["amount_due"] == "28.88"


def test_a_full_payment_marks_the_bill_paid(client, billed):
    _paid(client, billed, amount="28.88")
    [bill] = client.get(f"{API}/meters/{billed.meter.id}/bills", headers=billed.headers).get_json()
    assert bill["status"] == "paid"


def test_the_cis_import_of_a_payment_already_counted_counts_it_once(
    client, db_session, billed, runner, tmp_path
):
    _paid(client, billed, amount="20.00", bank_reference="BNK-CIS-1")
    assert _balance(client, billed)["amount_due"] == "8.88"

    # Our export of the day is what the CIS gets; it brings the same rows back in payments.csv.
    today = local_today()
    out = io.StringIO()
    assert payment_service.export_payments(db_session, day=today, out=out) == 1
    (tmp_path / "payments.csv").write_text(out.getvalue(), encoding="utf-8")
    summary = import_directory(db_session, tmp_path)
    assert "payments.csv" in str(summary) or summary is not None

    body = _balance(client, billed)
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
    payment_service.export_payments(db_session, day=today, out=out)
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


def test_the_export_command_writes_the_local_days_succeeded_payments(
    client, db_session, billed, runner, tmp_path
):
    payment = _paid(client, billed, amount="12.00", bank_reference="BNK-EXP-1")
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
        }
    ]
    assert rows[0]["paid_at"].endswith("Z")
    # Another day has none; standard output works too.
    result = runner.invoke(
        args=["ekesco", "export-payments", "--date", (today - dt.timedelta(days=1)).isoformat()]
    )
    assert result.exit_code == 0
    assert result.output.strip().splitlines() == [",".join(payment_service.EXPORT_COLUMNS)]


def test_the_local_day_is_belgrade_time(client, db_session, billed):
    payment = _paid(client, billed)
    row = db_session.get(Payment, payment["id"])
    # 23:30 UTC on 31 March is 01:30 on 1 April in Prishtina (summer time).
    row.completed_at = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
    db_session.flush()
    march, april = io.StringIO(), io.StringIO()
    assert payment_service.export_payments(db_session, day=dt.date(2026, 3, 31), out=march) == 0
    assert payment_service.export_payments(db_session, day=dt.date(2026, 4, 1), out=april) == 1


def test_expiry_after_thirty_minutes_and_a_late_success(client, db_session, billed, runner):
    payment = create(
        client, billed.headers, [{"meter_id": billed.meter.id, "amount": "20.00"}]
    ).get_json()
    now = dt.datetime.now(dt.UTC)
    assert payment_service.expire_payments(db_session, now=now + dt.timedelta(minutes=29)) == 0
    assert payment_service.expire_payments(db_session, now=now + dt.timedelta(minutes=31)) == 1
    assert db_session.get(Payment, payment["id"], populate_existing=True).status == "expired"
    assert payment_service.expire_payments(db_session, now=now + dt.timedelta(minutes=40)) == 0

    # The bank confirms anyway: the card was charged, so the payment counts.
    response = send_callback(client, callback_body(payment))
    assert response.get_json()["outcome"] == "applied"
    assert _balance(client, billed)["amount_due"] == "8.88"
    # A late failure changes nothing.
    other = create(client, billed.headers, [{"meter_id": billed.meter.id, "amount": "1"}])
    payment_service.expire_payments(db_session, now=now + dt.timedelta(hours=2))
    late = send_callback(client, callback_body(other.get_json(), status="failed"))
    assert late.get_json() == {
        "outcome": "ignored",
        "payment_id": other.get_json()["id"],
        "status": "expired",
    }


def test_the_expire_command(runner):
    result = runner.invoke(args=["ekesco", "expire-payments"])
    assert result.exit_code == 0
    assert "Expired 0 payments" in result.output


def test_keys_are_kept_a_day_then_purged(client, db_session, billed, runner):
    items = [{"meter_id": billed.meter.id, "amount": "5"}]
    first = create(client, billed.headers, items, key="daily").get_json()
    now = dt.datetime.now(dt.UTC)
    assert payment_service.purge_idempotency_keys(db_session, now=now + dt.timedelta(hours=23)) == 0
    again = create(client, billed.headers, items, key="daily").get_json()
    assert again["id"] == first["id"]
    assert payment_service.purge_idempotency_keys(db_session, now=now + dt.timedelta(hours=25)) == 1
    assert db_session.scalar(select(IdempotencyKey)) is None
    # After that the key is free again: a new payment.
    assert create(client, billed.headers, items, key="daily").get_json()["id"] != first["id"]
    result = runner.invoke(args=["ekesco", "purge-idempotency-keys"])
    assert result.exit_code == 0 and "Removed 0" in result.output


def test_a_removed_account_keeps_its_payments_as_records(client, db_session, billed):
    from ekesco_api.staff.service import _remove_account_rows

    payment = _paid(client, billed)
    _remove_account_rows(db_session, billed.account.id)
    db_session.flush()
    db_session.expire_all()
    row = db_session.get(Payment, payment["id"])
    assert row is not None and row.account_id is None and row.status == "succeeded"


# --- the gateway -------------------------------------------------------------------------------


def test_the_production_adapter_signs_the_hosted_page_request():
    gateway = HostedPageGateway(
        merchant_id="KESCO-01",
        payment_url="https://bank.example/hpp",
        signing_key="k" * 32,
        public_base_url="https://api.kesco.example",
    )
    url = gateway.checkout_url(
        CheckoutRequest(
            order_id=42, amount=Decimal("28.8"), currency="EUR", language="sq", base_url="x"
        )
    )
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "bank.example", "/hpp")
    fields = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert fields["merchant_id"] == "KESCO-01"
    assert fields["amount"] == "28.80"
    assert fields["callback_url"] == "https://api.kesco.example/api/v1/payments/callback"
    assert fields["success_url"].startswith("https://api.kesco.example/")
    assert "card" not in url.lower()
    assert request_signature_valid("k" * 32, fields, fields["signature"])
    tampered = {**fields, "amount": "1.00"}
    assert not request_signature_valid("k" * 32, tampered, fields["signature"])
    assert not request_signature_valid("k" * 32, {"amount": "1"}, fields["signature"])
    assert set(SIGNED_FIELDS) <= set(fields)


def test_the_gateway_follows_configuration():
    base = {"BANK_SIGNING_KEY": "s", "PUBLIC_BASE_URL": "https://x.example"}
    bank = gateway_from_config(
        {**base, "PAYMENT_GATEWAY": "bank", "BANK_MERCHANT_ID": "M", "BANK_PAYMENT_URL": "u"}
    )
    assert isinstance(bank, HostedPageGateway)
    simulated = gateway_from_config({**base, "PAYMENT_GATEWAY": "simulated"})
    url = simulated.checkout_url(
        CheckoutRequest(1, Decimal("1.00"), "EUR", "en", base_url="http://127.0.0.1:5000/")
    )
    assert url.startswith("http://127.0.0.1:5000/simulated-bank/pay?")


def test_production_refuses_the_simulated_bank():
    from ekesco_api.config import ConfigError, load_config

    env = {
        "EKESCO_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "JWT_SECRET_KEY": "j" * 40,
        "PAYMENT_WEBHOOK_SECRET": "p" * 40,
        "DATABASE_URL": "postgresql://db/x",
        "BANK_MERCHANT_ID": "M",
        "BANK_PAYMENT_URL": "https://bank.example/hpp",
        "BANK_SIGNING_KEY": "b" * 40,
    }
    assert load_config(env)["PAYMENT_GATEWAY"] == "bank"
    with pytest.raises(ConfigError, match="PAYMENT_GATEWAY"):
        load_config({**env, "PAYMENT_GATEWAY": "simulated"})
    with pytest.raises(ConfigError, match="PAYMENT_GATEWAY"):
        load_config({**env, "PAYMENT_GATEWAY": "paypal"})
    with pytest.raises(ConfigError, match="PAYMENT_MAX_AMOUNT"):
        load_config({**env, "PAYMENT_MAX_AMOUNT": "-1"})
    with pytest.raises(ConfigError, match="PAYMENT_MAX_AMOUNT"):
        load_config({**env, "PAYMENT_MAX_AMOUNT": "lots"})
    assert load_config({})["PAYMENT_MAX_AMOUNT"] == Decimal("5000.00")


def test_production_has_no_simulated_bank():
    from flask import Flask

    from ekesco_api.payments import simulated_bank

    for env, registered in (("production", False), ("development", True)):
        flask_app = Flask("check")
        flask_app.config["EKESCO_ENV"] = env
        simulated_bank.init_app(flask_app)
        rules = {rule.rule for rule in flask_app.url_map.iter_rules()}
        assert ("/simulated-bank/pay" in rules) is registered


def test_the_payments_worker_expires_and_purges_until_stopped(client, db_session, billed):
    import threading

    create(client, billed.headers, [{"meter_id": billed.meter.id, "amount": "5"}], key="old")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    stop = threading.Event()
    calls: list[int] = []

    def clock() -> dt.datetime:
        calls.append(1)
        if len(calls) == 2:
            stop.set()  # the second pass is the last
        return later

    passes = payment_service.run_housekeeping(db_session, stop=stop, every=0.01, now=clock)

    assert passes == 2
    assert db_session.scalar(select(Payment.status)) == "expired"
    assert db_session.scalar(select(IdempotencyKey)) is None


def test_a_failed_pass_does_not_end_the_worker(db_session, monkeypatch, caplog):
    import threading

    stop = threading.Event()

    def broken(session, *, now=None):
        stop.set()
        raise RuntimeError("database gone")

    monkeypatch.setattr(payment_service, "housekeeping", broken)
    passes = payment_service.run_housekeeping(
        db_session, stop=stop, every=0.01, now=lambda: dt.datetime.now(dt.UTC)
    )
    assert passes == 1
    assert "housekeeping failed" in caplog.text


def test_an_invalid_export_date_is_a_usage_error(runner):
    result = runner.invoke(args=["ekesco", "export-payments", "--date", "24.11.2026"])
    assert result.exit_code == 2
