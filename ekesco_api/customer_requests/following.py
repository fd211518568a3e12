"""What a customer reads of their requests, and the plain copy the data export takes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from ekesco_api.customer_requests.errors import RequestNotFound
from ekesco_api.customer_requests.models import CustomerRequest
from ekesco_api.customer_requests.references import reference_key


def my_requests(account_id: int) -> Select[Any]:
    """The account's requests, newest first (for pagination)."""
    return (
        select(CustomerRequest)
        .where(CustomerRequest.account_id == account_id)
        .options(selectinload(CustomerRequest.meter))
        .order_by(CustomerRequest.id.desc())
    )


def my_request(session: Session, *, account_id: int, reference: str) -> CustomerRequest:
    """One of the account's requests with its history; another account's answers 404 too."""
    request = session.scalar(
        select(CustomerRequest)
        .where(
            CustomerRequest.reference == reference_key(reference),
            CustomerRequest.account_id == account_id,
        )
        .options(selectinload(CustomerRequest.meter), selectinload(CustomerRequest.events))
    )
    if request is None:
        raise RequestNotFound()
    return request


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def requests_of(session: Session, account_id: int) -> Iterator[dict[str, Any]]:
    """Every request of the account as plain JSON-ready dicts, oldest first (for `/me/export`).

    Times are ISO 8601 strings in UTC with a Z, as the API writes them. Who at KESCO acted is
    not the customer's data and stays out.
    """
    requests = session.scalars(
        select(CustomerRequest)
        .where(CustomerRequest.account_id == account_id)
        .options(selectinload(CustomerRequest.meter), selectinload(CustomerRequest.events))
        .order_by(CustomerRequest.id)
    )
    for request in requests:
        yield {
            "reference": request.reference,
            "kind": request.kind,
            "topic": request.topic,
            "meter_id": request.meter_id,
            "meter_number": request.meter.meter_number if request.meter else None,
            "customer_code": request.customer_code,
            "description": request.description,
            "status": request.status,
            "created_at": _utc(request.created_at),
            "updated_at": _utc(request.updated_at),
            "history": [
                {"status": event.status, "at": _utc(event.at), "note": event.note}
                for event in request.events
            ],
        }
