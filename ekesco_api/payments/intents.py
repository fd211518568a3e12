"""Payment intents: POST /payments stores a pending payment once per Idempotency-Key.

`create_payment` stores a `pending` intent and the URL of the bank's card page; the bank then
calls back (`callback`) once the customer has paid or given up. Intents nobody finished within
30 minutes become `expired` (`housekeeping`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.meters.errors import MeterNotFound
from ekesco_api.meters.models import Meter, SupplyPoint
from ekesco_api.meters.ownership import ACCOUNT_ID, owned_meter_ids
from ekesco_api.payments.errors import IdempotencyKeyReused
from ekesco_api.payments.gateway import CheckoutRequest, PaymentGateway
from ekesco_api.payments.models import STATUS_PENDING, IdempotencyKey, Payment, PaymentItem
from ekesco_api.payments.schemas import PaymentSchema
from ekesco_api.types import utcnow

CURRENCY = "EUR"
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Created:
    """The answer to POST /payments: the stored one when the key was seen before."""

    status_code: int
    body: dict[str, Any]
    replayed: bool


def request_hash(items: Sequence[dict[str, Any]]) -> str:
    """SHA-256 of the request in a canonical form: "12.3" and "12.30" are the same request."""
    canonical = [{"meter_id": i["meter_id"], "amount": f"{i['amount']:.2f}"} for i in items]
    text = json.dumps({"items": canonical}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def create_payment(
    session: Session,
    *,
    account_id: int,
    idempotency_key: str,
    items: Sequence[dict[str, Any]],
    gateway: PaymentGateway,
    base_url: str,
    language: str,
    now: dt.datetime | None = None,
) -> Created:
    """A pending payment for `items` (`meter_id`, `amount`), once per idempotency key.

    The key is inserted first, in the transaction that creates the payment: a concurrent
    request with the same key waits on the unique index and then finds the stored answer.
    """
    now = now or utcnow()
    digest = request_hash(items)
    for _attempt in range(2):
        key = IdempotencyKey(
            account_id=account_id, key=idempotency_key, request_hash=digest, created_at=now
        )
        try:
            # One savepoint for the key and the payment: a meter not on the account (404)
            # leaves no key behind, so a corrected retry may use it.
            with session.begin_nested():
                session.add(key)
                session.flush()
                payment = _new_payment(session, account_id=account_id, items=items, now=now)
        except IntegrityError:
            stored = session.scalar(
                select(IdempotencyKey).where(
                    IdempotencyKey.account_id == account_id, IdempotencyKey.key == idempotency_key
                )
            )
            if stored is None:
                continue  # purged between our insert and this read: insert again
            if stored.request_hash != digest or stored.response_body is None:
                raise IdempotencyKeyReused() from None
            return Created(stored.response_status or 201, json.loads(stored.response_body), True)
        break
    else:  # pragma: no cover - needs a purge racing a request twice in a row
        raise IdempotencyKeyReused()

    payment.redirect_url = gateway.checkout_url(
        CheckoutRequest(
            order_id=payment.id,
            amount=payment.amount,
            currency=payment.currency,
            language=language,
            base_url=base_url,
        )
    )
    body = PaymentSchema().dump(payment)
    key.payment_id = payment.id
    key.response_status = 201
    key.response_body = json.dumps(body, ensure_ascii=False)
    session.commit()
    return Created(201, body, False)


# Built once: constructing the statement per request cost more than running it.
_OWNED_METERS = (
    select(Meter.id, Meter.meter_number, Meter.supply_point_id, SupplyPoint.customer_code)
    .join(SupplyPoint, SupplyPoint.id == Meter.supply_point_id)
    .where(
        Meter.id.in_(bindparam("meter_ids", expanding=True)),
        Meter.id.in_(owned_meter_ids(ACCOUNT_ID)),
    )
)


def _new_payment(
    session: Session, *, account_id: int, items: Sequence[dict[str, Any]], now: dt.datetime
) -> Payment:
    meter_ids = [item["meter_id"] for item in items]
    rows = {
        row.id: row
        for row in session.execute(
            _OWNED_METERS, {"account_id": account_id, "meter_ids": meter_ids}
        ).all()
    }
    if any(meter_id not in rows for meter_id in meter_ids):
        raise MeterNotFound()
    total = sum((item["amount"] for item in items), ZERO)
    payment = Payment(
        account_id=account_id,
        status=STATUS_PENDING,
        amount=total,
        commission=ZERO,  # customers pay no commission (KESCO FAQ)
        currency=CURRENCY,
        redirect_url="",
        created_at=now,
    )
    for position, item in enumerate(items, start=1):
        row = rows[item["meter_id"]]
        payment.items.append(
            PaymentItem(
                position=position,
                meter_id=row.id,
                supply_point_id=row.supply_point_id,
                meter_number=row.meter_number,
                customer_code=row.customer_code,
                amount=item["amount"],
            )
        )
    session.add(payment)
    session.flush()
    return payment
