"""Housekeeping: intents expire after 30 minutes, keys after a day; the worker that runs both."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ekesco_api.payments import housekeeping
from ekesco_api.payments.models import IdempotencyKey, Payment
from tests.payments.helpers import (
    callback_body,
    create,
    meter_balance,
    payment_status,
    pending_payment,
    send_callback,
)


def test_expiry_after_thirty_minutes_and_a_late_success(client, db_session, billed, runner):
    payment = create(
        client, billed.headers, [{"meter_id": billed.meter.id, "amount": "20.00"}]
    ).get_json()
    now = dt.datetime.now(dt.UTC)
    assert housekeeping.expire_payments(db_session, now=now + dt.timedelta(minutes=29)) == 0
    assert housekeeping.expire_payments(db_session, now=now + dt.timedelta(minutes=31)) == 1
    assert db_session.get(Payment, payment["id"], populate_existing=True).status == "expired"
    assert housekeeping.expire_payments(db_session, now=now + dt.timedelta(minutes=40)) == 0

    # The bank confirms anyway: the card was charged, so the payment counts.
    response = send_callback(client, callback_body(payment))
    assert response.get_json()["outcome"] == "applied"
    assert meter_balance(client, billed)["amount_due"] == "8.88"
    # A late failure changes nothing.
    other = create(client, billed.headers, [{"meter_id": billed.meter.id, "amount": "1"}])
    housekeeping.expire_payments(db_session, now=now + dt.timedelta(hours=2))
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
    assert housekeeping.purge_idempotency_keys(db_session, now=now + dt.timedelta(hours=23)) == 0
    again = create(client, billed.headers, items, key="daily").get_json()
    assert again["id"] == first["id"]
    assert housekeeping.purge_idempotency_keys(db_session, now=now + dt.timedelta(hours=25)) == 1
    assert db_session.scalar(select(IdempotencyKey)) is None
    # After that the key is free again: a new payment.
    assert create(client, billed.headers, items, key="daily").get_json()["id"] != first["id"]
    result = runner.invoke(args=["ekesco", "purge-idempotency-keys"])
    assert result.exit_code == 0 and "Removed 0" in result.output


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

    passes = housekeeping.run_housekeeping(db_session, stop=stop, every=0.01, now=clock)

    assert passes == 2
    assert db_session.scalar(select(Payment.status)) == "expired"
    assert db_session.scalar(select(IdempotencyKey)) is None


def test_a_failed_pass_does_not_end_the_worker(db_session, monkeypatch, caplog):
    import threading

    stop = threading.Event()

    def broken(session, *, now=None):
        stop.set()
        raise RuntimeError("database gone")

    monkeypatch.setattr(housekeeping, "housekeeping", broken)
    passes = housekeeping.run_housekeeping(
        db_session, stop=stop, every=0.01, now=lambda: dt.datetime.now(dt.UTC)
    )
    assert passes == 1
    assert "housekeeping failed" in caplog.text


def test_expired_intents_show_as_expired(client, db_session, customer):
    payment = pending_payment(client, customer)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)
    assert housekeeping.expire_payments(db_session, now=later) == 1
    assert payment_status(client, customer, payment["id"]) == "expired"
