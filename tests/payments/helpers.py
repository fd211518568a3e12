"""Paying from tests: intents through the API, callbacks signed as the bank signs, the answers."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from flask.testing import FlaskClient

from ekesco_api.payments.callback import callback_signature
from tests.support.customers import Customer

API = "/api/v1"
SECRET_KEY = "PAYMENT_WEBHOOK_SECRET"


def create(
    client: FlaskClient,
    headers: dict[str, str],
    items: list[dict[str, Any]],
    key: str | None = None,
) -> Any:
    """POST /payments with a fresh Idempotency-Key unless one is given."""
    return client.post(
        f"{API}/payments",
        json={"items": items},
        headers={**headers, "Idempotency-Key": key or str(uuid.uuid4())},
    )


def callback_body(payment: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body = {
        "payment_id": payment["id"],
        "status": "succeeded",
        "bank_reference": "BNK-" + uuid.uuid4().hex[:12].upper(),
        "amount": payment["amount"],
        "currency": payment["currency"],
    }
    body.update(overrides)
    return body


def send_callback(
    client: FlaskClient,
    body: dict[str, Any] | bytes,
    *,
    timestamp: int | str | None = None,
    secret: str | None = None,
    signature: str | None = None,
) -> Any:
    """POST /payments/callback signed with the configured secret (or the one given)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    key = secret or client.application.config[SECRET_KEY]
    headers = {
        "Content-Type": "application/json",
        "X-Timestamp": stamp,
        "X-Signature": signature or callback_signature(key, stamp, raw),
    }
    return client.post(f"{API}/payments/callback", data=raw, headers=headers)


def pay(client: FlaskClient, payment: dict[str, Any], **overrides: Any) -> Any:
    """The bank confirms `payment` (or reports `status="failed"`)."""
    response = send_callback(client, callback_body(payment, **overrides))
    assert response.status_code == 200, response.get_json()
    return response


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert `response` is the problem+json `status` with `code`; its body."""
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code, body
    return body


def pending_payment(client: FlaskClient, customer: Customer, amount: str = "28.88") -> Any:
    """A new intent for the customer's meter, as POST /payments answered it."""
    response = create(client, customer.headers, [{"meter_id": customer.meter.id, "amount": amount}])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def payment_status(client: FlaskClient, customer: Customer, payment_id: int) -> str:
    """The status GET /payments/{id} shows the customer."""
    return client.get(f"{API}/payments/{payment_id}", headers=customer.headers).get_json()["status"]


def meter_balance(client: FlaskClient, customer: Customer) -> Any:
    """GET /meters/{id}/balance of the customer's meter."""
    response = client.get(f"{API}/meters/{customer.meter.id}/balance", headers=customer.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def paid_payment(
    client: FlaskClient, customer: Customer, amount: str = "20.00", **callback: Any
) -> Any:
    """A payment for the customer's meter that the bank confirmed (callback overrides aside)."""
    payment = create(
        client, customer.headers, [{"meter_id": customer.meter.id, "amount": amount}]
    ).get_json()
    pay(client, payment, **callback)
    return payment
