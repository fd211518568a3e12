"""Payment intents: POST /payments stores a pending payment once per Idempotency-Key.

`create_payment` stores a `pending` intent and the URL of the bank's card page
(`create_bill_payment` does the same for a paper bill paid without an account); the bank then
calls back (`callback`) once the customer has paid or given up. Intents nobody finished within
30 minutes become `expired` (`housekeeping`).

The writes are Core statements built once (`intent_rows`): the payment's id is drawn before
its row is written, so the row goes in whole and is never updated.
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

from ekesco_api.auth.sessions import LIVE_SESSION
from ekesco_api.meters.errors import MeterNotFound
from ekesco_api.meters.models import Meter, SupplyPoint
from ekesco_api.meters.ownership import ACCOUNT_ID, owned_meter_ids
from ekesco_api.payments.errors import IdempotencyKeyReused
from ekesco_api.payments.gateway import CheckoutRequest, PaymentGateway
from ekesco_api.payments.intent_rows import (
    NEXT_PAYMENT_ID,
    ZERO,
    NewItem,
    NewPayment,
    next_payment_id,
    write,
)
from ekesco_api.payments.models import IdempotencyKey
from ekesco_api.payments.schemas import PaymentSchema
from ekesco_api.security.guards import confirm_session
from ekesco_api.types import utcnow


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
    session_family: str | None = None,
    now: dt.datetime | None = None,
) -> Created:
    """A pending payment for `items` (`meter_id`, `amount`) of the account's meters, once per
    idempotency key (see `_once_per_key`).

    `session_family`: the caller's session, which the statement reading the meters finds live
    before anything is written (or the token is refused: `security.guards.confirm_session`).
    """
    return _once_per_key(
        session,
        account_id=account_id,
        idempotency_key=idempotency_key,
        digest=request_hash(items),
        new_payment=lambda at: _new_payment(
            session, account_id=account_id, items=items, session_family=session_family, now=at
        ),
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

    def new_payment(at: dt.datetime) -> NewPayment:
        item = NewItem(
            position=1,
            meter_id=None,
            supply_point_id=bill.supply_point_id,
            meter_number=None,
            customer_code=bill.customer_code,
            bill_number=bill.bill_number,
            amount=amount,
        )
        return NewPayment(
            id=session.connection().execute(NEXT_PAYMENT_ID).scalar_one(),
            account_id=None,
            amount=amount,
            created_at=at,
            items=[item],
            payer_email=payer_email,
            payer_language=language,
        )

    return _once_per_key(
        session,
        account_id=None,
        idempotency_key=idempotency_key,
        digest=_digest(canonical),
        new_payment=new_payment,
        checkout=Checkout(gateway, base_url, language),
        now=now,
    )


_STORED_ANSWER = select(
    IdempotencyKey.request_hash, IdempotencyKey.response_status, IdempotencyKey.response_body
).where(IdempotencyKey.key == bindparam("key"))
_STORED_ACCOUNT_ANSWER = _STORED_ANSWER.where(IdempotencyKey.account_id == ACCOUNT_ID)
_STORED_PUBLIC_ANSWER = _STORED_ANSWER.where(IdempotencyKey.account_id.is_(None))
# Stateless once built (marshmallow 4 has no per-dump context), so one serves every request.
_ANSWER = PaymentSchema()


def _once_per_key(
    session: Session,
    *,
    account_id: int | None,
    idempotency_key: str,
    digest: str,
    new_payment: Callable[[dt.datetime], NewPayment],
    checkout: Checkout,
    now: dt.datetime | None,
) -> Created:
    """The payment `new_payment` makes, and its bank page, stored once per idempotency key.

    The key is written with the answer, after every check, in the transaction that creates the
    payment (on PostgreSQL in the same statement): a concurrent request with the same key waits
    on the unique index, then rolls back the payment it had written and answers the stored one.
    Refusals (a meter not on the account) come before anything is written, so they leave no key
    behind and a corrected retry may use it. Keys belong to the account, or (`account_id=None`)
    to the payments made without one.
    """
    now = now or utcnow()
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
        body = _ANSWER.dump(payment)
        key = {
            "account_id": account_id,
            "key": idempotency_key,
            "request_hash": digest,
            "payment_id": payment.id,
            "response_status": 201,
            "response_body": json.dumps(body, ensure_ascii=False),
            "created_at": now,
        }
        try:
            write(session.connection(), payment, key)
        except IntegrityError:
            session.rollback()  # the payment written meanwhile goes too
            stored = _stored_answer(session, account_id=account_id, key=idempotency_key)
            if stored is None:
                continue  # purged between our insert and this read: try again
            if stored.request_hash != digest or stored.response_body is None:
                raise IdempotencyKeyReused() from None
            return Created(stored.response_status or 201, json.loads(stored.response_body), True)
        session.commit()
        return Created(201, body, False)
    raise IdempotencyKeyReused()  # pragma: no cover - needs a purge racing a request twice


def _stored_answer(session: Session, *, account_id: int | None, key: str) -> Any:
    """The stored key's request hash and answer, or None."""
    if account_id is None:
        return session.connection().execute(_STORED_PUBLIC_ANSWER, {"key": key}).first()
    parameters = {"key": key, "account_id": account_id}
    return session.connection().execute(_STORED_ACCOUNT_ANSWER, parameters).first()


# The account's meters among those named, the new payment's id, and whether the caller's
# session is live, in one statement.
_OWNED_METERS = (
    select(
        Meter.id,
        Meter.meter_number,
        Meter.supply_point_id,
        SupplyPoint.customer_code,
        next_payment_id().label("payment_id"),
        LIVE_SESSION,
    )
    .join(SupplyPoint, SupplyPoint.id == Meter.supply_point_id)
    .where(
        Meter.id.in_(bindparam("meter_ids", expanding=True)),
        Meter.id.in_(owned_meter_ids(ACCOUNT_ID)),
    )
)


def _new_payment(
    session: Session,
    *,
    account_id: int,
    items: Sequence[dict[str, Any]],
    session_family: str | None,
    now: dt.datetime,
) -> NewPayment:
    meter_ids = [item["meter_id"] for item in items]
    parameters = {
        "account_id": account_id,
        "meter_ids": meter_ids,
        "session_family": session_family,
    }
    rows = {row.id: row for row in session.connection().execute(_OWNED_METERS, parameters).all()}
    if session_family is not None and rows:
        confirm_session(bool(next(iter(rows.values())).session_live))
    if any(meter_id not in rows for meter_id in meter_ids):
        raise MeterNotFound()
    paid = []
    for position, item in enumerate(items, start=1):
        row = rows[item["meter_id"]]
        paid.append(
            NewItem(
                position=position,
                meter_id=row.id,
                supply_point_id=row.supply_point_id,
                meter_number=row.meter_number,
                customer_code=row.customer_code,
                bill_number=None,
                amount=item["amount"],
            )
        )
    return NewPayment(
        id=next(iter(rows.values())).payment_id,
        account_id=account_id,
        amount=sum((item["amount"] for item in items), ZERO),
        created_at=now,
        items=paid,
    )
