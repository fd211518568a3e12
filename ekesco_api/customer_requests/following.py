"""What a customer reads of their requests: the list, and one with its history."""

from __future__ import annotations

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
