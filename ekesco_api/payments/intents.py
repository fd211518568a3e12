"""Payment intents: POST /payments stores a pending payment once per Idempotency-Key.

`create_payment` stores a `pending` intent and the URL of the bank's card page
(`create_bill_payment` does the same for a paper bill paid without an account); the bank then
calls back (`callback`) once the customer has paid or given up. Intents nobody finished within
30 minutes become `expired` (`housekeeping`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
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


def _digest(canonical: Any) -> str:
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def request_hash(items: Sequence[dict[str, Any]]) -> str:
    """SHA-256 of the request in a canonical form: "12.3" and "12.30" are the same request."""
    canonical = [{"meter_id": i["meter_id"], "amount": f"{i['amount']:.2f}"} for i in items]
    return _digest({"items": canonical})


@dataclass(frozen=True, slots=True)
class Checkout:
    """Where the payer is sent to pay, and in which language the bank's page speaks."""

    gateway: PaymentGateway
    base_url: str
    language: str


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
    """A pending payment for `items` (`meter_id`, `amount`) of the account's meters, once per
    idempotency key (see `_once_per_key`)."""
    return _once_per_key(
        session,
        account_id=account_id,
        idempotency_key=idempotency_key,
        digest=request_hash(items),
        new_payment=lambda at: _new_payment(session, account_id=account_id, items=items, now=at),
        checkout=Checkout(gateway, base_url, language),
        now=now,
    )


@dataclass(frozen=True, slots=True)
class PaperBill:
    """A bill someone pays without an account: its code and number as the CIS writes them."""

    supply_point_id: int
    customer_code: str
    bill_number: str


def create_bill_payment(
    session: Session,
    *,
    idempotency_key: str,
    bill: PaperBill,
    amount: Decimal,
    payer_email: str | None,
    gateway: PaymentGateway,
    base_url: str,
    language: str,
    now: dt.datetime | None = None,
) -> Created:
    """A pending payment of `amount` towards a paper bill, by someone without an account.

    It pays the bill's customer code like an app payment (the same bank page, callback, CIS
    export and ledger), with no account and no meter; the receipt goes to `payer_email`, if
    given, in `language`. Once per idempotency key, among the keys of such payments.
    """
    canonical = {
        "customer_code": bill.customer_code,
        "bill_number": bill.bill_number,
        "amount": f"{amount:.2f}",
        "email": (payer_email or "").lower(),
    }

    def new_payment(at: dt.datetime) -> Payment:
        payment = Payment(
            account_id=None,
            status=STATUS_PENDING,
            amount=amount,
            commission=ZERO,
            currency=CURRENCY,
            redirect_url="",
            created_at=at,
            payer_email=payer_email,
            payer_language=language,
        )
        payment.items.append(
            PaymentItem(
                position=1,
                meter_id=None,
                supply_point_id=bill.supply_point_id,
                meter_number=None,
                customer_code=bill.customer_code,
                bill_number=bill.bill_number,
                amount=amount,
            )
        )
        session.add(payment)
        session.flush()
        return payment

    return _once_per_key(
        session,
        account_id=None,
        idempotency_key=idempotency_key,
        digest=_digest(canonical),
        new_payment=new_payment,
        checkout=Checkout(gateway, base_url, language),
        now=now,
    )


def _once_per_key(
    session: Session,
    *,
    account_id: int | None,
    idempotency_key: str,
    digest: str,
    new_payment: Callable[[dt.datetime], Payment],
    checkout: Checkout,
    now: dt.datetime | None,
) -> Created:
    """The payment `new_payment` makes, and its bank page, stored once per idempotency key.

    The key is written last, with the answer, in the transaction that creates the payment: a
    concurrent request with the same key waits on the unique index, then rolls back the
    payment it had written and answers the stored one. Refusals (a meter not on the account)
    come before anything is written, so they leave no key behind and a corrected retry may
    use it. Keys belong to the account, or (`account_id=None`) to the payments made without one.
    """
    now = now or utcnow()
    owner = (
        IdempotencyKey.account_id.is_(None)
        if account_id is None
        else IdempotencyKey.account_id == account_id
    )
    for _attempt in range(2):
        payment = new_payment(now)
        payment.redirect_url = checkout.gateway.checkout_url(
            CheckoutRequest(
                order_id=payment.id,
                amount=payment.amount,
                currency=payment.currency,
                language=checkout.language,
                base_url=checkout.base_url,
            )
        )
        body = PaymentSchema().dump(payment)
        session.add(
            IdempotencyKey(
                account_id=account_id,
                key=idempotency_key,
                request_hash=digest,
                payment_id=payment.id,
                response_status=201,
                response_body=json.dumps(body, ensure_ascii=False),
                created_at=now,
            )
        )
        try:
            session.flush()
        except IntegrityError:
            session.rollback()  # the payment written meanwhile goes too
            stored = session.scalar(
                select(IdempotencyKey).where(owner, IdempotencyKey.key == idempotency_key)
            )
            if stored is None:
                continue  # purged between our insert and this read: try again
            if stored.request_hash != digest or stored.response_body is None:
                raise IdempotencyKeyReused() from None
            return Created(stored.response_status or 201, json.loads(stored.response_body), True)
        session.commit()
        return Created(201, body, False)
    raise IdempotencyKeyReused()  # pragma: no cover - needs a purge racing a request twice


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
