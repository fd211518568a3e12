"""Filing and working requests over HTTP, for this folder's tests."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.support.auth import API
from tests.support.customers import Customer

REQUESTS = f"{API}/requests"
QUEUE = f"{API}/staff/requests"


def file_request(
    client: FlaskClient, customer: Customer, *, language: str = "sq", **body: Any
) -> Any:
    """POST /requests as `customer`: a billing complaint unless the body says otherwise."""
    payload = {"kind": "complaint", "topic": "billing_error", "description": "Fatura dyfish."}
    payload.update(body)
    headers = {**customer.headers, "Accept-Language": language}
    return client.post(REQUESTS, json=payload, headers=headers)


def change(client: FlaskClient, headers: dict[str, str], reference: str, **body: Any) -> Any:
    """PATCH /staff/requests/{reference} as an agent."""
    return client.patch(f"{QUEUE}/{reference}", json=body, headers=headers)
