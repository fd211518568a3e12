"""One Idempotency-Key, many concurrent requests: exactly one payment; one callback, applied once.

These tests commit for real (`race`): a dozen threads, each with its own connection, post at
once. Run them on PostgreSQL too (`TEST_DATABASE_URL=postgresql+psycopg://...`), where the
unique index on (account, key) makes the losers wait for the winner's commit and then find its
answer; on SQLite, BEGIN IMMEDIATE queues the writers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from ekesco_api.extensions import db
from ekesco_api.notifications.models import Notification
from ekesco_api.payments.callback import callback_signature
from ekesco_api.payments.models import IdempotencyKey, Payment, PaymentCallback
from tests.concurrency import run_at_once
from tests.payments.helpers import API
from tests.support.customers import make_customer

pytestmark = pytest.mark.race

THREADS = 12


def _send_at_once(app: Any, send: Callable[[Any, int], Any]) -> list[tuple[int, Any]]:
    """`send(client, n)` from THREADS threads at once, a test client each."""

    def run(index: int) -> tuple[int, Any]:
        response = send(app.test_client(), index)
        return response.status_code, response.get_json()

    return run_at_once(THREADS, run)


def test_concurrent_requests_with_one_key_create_one_payment(app):
    with app.app_context():
        customer = make_customer(db.session)
        headers = {**customer.headers, "Idempotency-Key": "same-key-for-all"}
        body = {"items": [{"meter_id": customer.meter.id, "amount": "28.88"}]}
        account_id = customer.account.id
        db.session.commit()

    results = _send_at_once(
        app, lambda client, _: client.post(f"{API}/payments", json=body, headers=headers)
    )

    assert {status for status, _ in results} == {201}, results
    assert len({answer["id"] for _, answer in results}) == 1
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Payment).where(Payment.account_id == account_id)
            )
            == 1
        )
        assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_concurrent_different_bodies_one_key_one_wins(app):
    with app.app_context():
        customer = make_customer(db.session)
        headers = {**customer.headers, "Idempotency-Key": "contested"}
        meter_id = customer.meter.id
        db.session.commit()

    def send(client: Any, n: int) -> Any:
        body = {"items": [{"meter_id": meter_id, "amount": f"{n + 1}.00"}]}
        return client.post(f"{API}/payments", json=body, headers=headers)

    results = _send_at_once(app, send)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (THREADS - 1), results
    assert {a["code"] for s, a in results if s == 409} == {"idempotency_key_reused"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Payment)) == 1


def test_a_callback_delivered_many_times_at_once_is_applied_once(app):
    with app.app_context():
        customer = make_customer(db.session)
        db.session.commit()
        client = app.test_client()
        payment = client.post(
            f"{API}/payments",
            json={"items": [{"meter_id": customer.meter.id, "amount": "28.88"}]},
            headers={**customer.headers, "Idempotency-Key": "cb"},
        ).get_json()
    raw = json.dumps(
        {
            "payment_id": payment["id"],
            "status": "succeeded",
            "bank_reference": "BNK-RACE-1",
            "amount": "28.88",
            "currency": "EUR",
        }
    ).encode()
    stamp = str(int(time.time()))
    signature = callback_signature(app.config["PAYMENT_WEBHOOK_SECRET"], stamp, raw)
    headers = {"X-Timestamp": stamp, "X-Signature": signature, "Content-Type": "application/json"}

    results = _send_at_once(
        app, lambda client, _: client.post(f"{API}/payments/callback", data=raw, headers=headers)
    )

    assert {status for status, _ in results} == {200}, results
    assert sorted(answer["outcome"] for _, answer in results) == ["applied"] + ["repeat"] * (
        THREADS - 1
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
        assert db.session.scalar(select(func.count()).select_from(PaymentCallback)) == THREADS
