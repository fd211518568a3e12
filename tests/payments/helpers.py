"""Paying from tests: intents through the API, and callbacks signed the way the bank signs."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from flask.testing import FlaskClient

from ekesco_api.payments.service import callback_signature

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
