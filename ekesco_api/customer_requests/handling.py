"""Support's side: the queue, one request with what the agent needs to answer it, and moves.

Every move is checked under the request's row lock against its current state: a closed request
stays closed (409 `request_closed`), and an agent who sends the `version` they last read is
refused (409 `request_changed`) when a colleague moved or answered it meanwhile, instead of
acting on a stale view. The move, its history line, the customer's message and the audit entry
commit together; a refusal is audited on its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, or_, select
from sqlalchemy.orm import Session, selectinload

from ekesco_api.accounts.models import Account
from ekesco_api.customer_requests.errors import RequestChanged, RequestClosed, RequestNotFound
from ekesco_api.customer_requests.messages import send_update
from ekesco_api.customer_requests.models import (
    CLOSED_STATUSES,
    TOPICS_WITH_ACCOUNT_DATA,
    CustomerRequest,
    RequestEvent,
)
from ekesco_api.customer_requests.references import reference_key
from ekesco_api.keys import identifier_key
from ekesco_api.meters import service as meter_service
from ekesco_api.meters.models import Meter, SupplyPoint
from ekesco_api.meters.ownership import account_supply_point_ids
from ekesco_api.payments.models import CisPayment, Payment
from ekesco_api.staff.audit import Actor, Record, audited
from ekesco_api.types import utcnow

ACTION_VIEW = "request_view"
ACTION_UPDATE = "request_update"
# How many payments the agent sees beside a data-update or wrong-code request.
LAST_PAYMENTS = 10


def request_queue(
    *,
    status: str | None = None,
    kind: str | None = None,
    topic: str | None = None,
    customer_code: str | None = None,
) -> Select[Any]:
    """Requests matching every filter: open ones first, oldest first; then closed, newest first."""
    statement = select(CustomerRequest).options(
        selectinload(CustomerRequest.meter), selectinload(CustomerRequest.account)
    )
    if status is not None:
        statement = statement.where(CustomerRequest.status == status)
    if kind is not None:
        statement = statement.where(CustomerRequest.kind == kind)
    if topic is not None:
        statement = statement.where(CustomerRequest.topic == topic)
    if customer_code is not None:
        key = identifier_key(customer_code)
        meters_of_code = (
            select(Meter.id)
            .join(SupplyPoint, SupplyPoint.id == Meter.supply_point_id)
            .where(SupplyPoint.code_key == key)
        )
        statement = statement.where(
            or_(CustomerRequest.code_key == key, CustomerRequest.meter_id.in_(meters_of_code))
        )
    closed = CustomerRequest.status.in_(CLOSED_STATUSES)
    return statement.order_by(
        case((closed, 1), else_=0),
        case((closed, -CustomerRequest.id), else_=CustomerRequest.id),
    )


@dataclass
class StaffRequestView:
    """A request as support reads it: the row, plus the customer and, by topic, their data."""

    request: CustomerRequest
    customer: dict[str, Any] | None
    account_data: dict[str, Any] | None
    last_payments: list[dict[str, Any]] | None

    def __getattr__(self, name: str) -> Any:
        # Everything else is the request's own (reference, status, events...) for the schema.
        return getattr(self.request, name)


def _last_payments(session: Session, account: Account) -> list[dict[str, Any]]:
    app = session.scalars(
        select(Payment)
        .where(Payment.account_id == account.id)
        .options(selectinload(Payment.items))
        .order_by(Payment.id.desc())
        .limit(LAST_PAYMENTS)
    ).all()
    lines: list[dict[str, Any]] = [
        {
            "source": "app",
            "paid_at": payment.completed_at or payment.created_at,
            "amount": item.amount,
            "customer_code": item.customer_code,
            "meter_number": item.meter_number,
            "reference": item.cis_reference or payment.bank_reference,
            "status": payment.status,
            "channel": "ekesco",
        }
        for payment in app
        for item in payment.items
    ]
    recorded = session.execute(
        select(CisPayment, SupplyPoint.customer_code)
        .join(SupplyPoint, SupplyPoint.id == CisPayment.supply_point_id)
        .where(CisPayment.supply_point_id.in_(account_supply_point_ids(account.id)))
        .order_by(CisPayment.paid_at.desc(), CisPayment.id.desc())
        .limit(LAST_PAYMENTS)
    ).all()
    lines += [
        {
            "source": "cis",
            "paid_at": payment.paid_at,
            "amount": payment.amount,
            "customer_code": code,
            "meter_number": None,
            "reference": payment.reference,
            "status": "recorded",
            "channel": payment.channel,
        }
        for payment, code in recorded
    ]
    lines.sort(key=lambda line: line["paid_at"], reverse=True)
    return lines[:LAST_PAYMENTS]


def _account_data(session: Session, account: Account) -> dict[str, Any]:
    point = account.supply_point
    return {
        "holder_name": point.holder_name,
        "holder_personal_number": point.personal_number,
        "address": point.address,
        "category": point.category,
        "personal_number": account.personal_number,
        "id_card_expiry": account.id_card_expiry,
        "name_matches_holder": account.name_matches_holder,
        "pending_email": account.pending_email,
        "pending_phone": account.pending_phone,
        "registered_at": account.created_at,
        "meters": meter_service.list_meters(session, account_id=account.id),
    }


def staff_view(session: Session, request: CustomerRequest) -> StaffRequestView:
    account = request.account
    if account is None:
        return StaffRequestView(request, None, None, None)
    customer = {
        "account_id": account.id,
        "customer_code": account.supply_point.customer_code,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "phone": account.phone,
        "language": account.language,
    }
    if request.topic not in TOPICS_WITH_ACCOUNT_DATA:
        return StaffRequestView(request, customer, None, None)
    return StaffRequestView(
        request, customer, _account_data(session, account), _last_payments(session, account)
    )


def _find(session: Session, key: str, *, lock: bool = False) -> CustomerRequest:
    statement = (
        select(CustomerRequest)
        .where(CustomerRequest.reference == key)
        .options(
            selectinload(CustomerRequest.meter),
            selectinload(CustomerRequest.events).selectinload(RequestEvent.staff),
        )
    )
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    request = session.scalar(statement)
    if request is None:
        raise RequestNotFound()
    return request


def view_request(session: Session, *, actor: Actor, reference: str) -> StaffRequestView:
    """One request for the agent, with the customer's contact data: audited like a lookup."""
    key = reference_key(reference)
    record = Record(details={"reference": key})
    with audited(session, actor=actor, action=ACTION_VIEW, record=record):
        request = _find(session, key)
        record.account_id, record.customer_code = request.account_id, request.customer_code
    return staff_view(session, request)


def change_request(
    session: Session,
    *,
    actor: Actor,
    reference: str,
    status: str,
    note: str,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> StaffRequestView:
    """Move a request (or reply, staying `in_progress`) and tell the customer; audited."""
    instant = now or utcnow()
    key = reference_key(reference)
    record = Record(details={"reference": key, "to": status})
    with audited(session, actor=actor, action=ACTION_UPDATE, record=record):
        request = _find(session, key, lock=True)
        record.account_id, record.customer_code = request.account_id, request.customer_code
        record.details["from"] = request.status
        if request.status in CLOSED_STATUSES:
            raise RequestClosed()
        if version is not None and version != request.version:
            record.details["stale_version"] = version
            raise RequestChanged()
        moved = status != request.status
        request.status = status
        request.version += 1
        request.updated_at = instant
        if status in CLOSED_STATUSES:
            request.closed_at = instant
        request.events.append(
            RequestEvent(status=status, note=note, staff_id=actor.staff_id, at=instant)
        )
        if request.account is not None:
            send_update(
                session,
                request.account,
                reference=request.reference,
                status=status,
                moved=moved,
                note=note,
            )
    return staff_view(session, request)
