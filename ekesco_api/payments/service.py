"""Card payments in the app: idempotent intents, the bank's signed callback, history, receipts.

Life of a payment: `create_payment` stores a `pending` intent (one per Idempotency-Key) and the
URL of the bank's card page; the bank calls back once the customer has paid or given up, and
`receive_callback` moves the payment to `succeeded` or `failed`, exactly once however often the
bank repeats itself. Intents nobody finished within 30 minutes become `expired`
(`expire_payments`, run by `ekesco expire-payments`).

A payment the bank confirms after it expired is still marked `succeeded`: the customer's card
was charged, so the money has to count; refusing it would leave a charge without a payment.
A success also wins over an earlier `failed` for the same reason; a failure never undoes a
success.

Until the CIS brings a succeeded payment back in payments.csv (its `reference` is the item's
`cis_reference`: the bank reference, suffixed `-1`, `-2`, … when one payment covers several
customer codes), it counts in the balance as `pending_payments` (see `balance.app_payments`);
afterwards the imported row counts instead, so it is never counted twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

import marshmallow as ma
from sqlalchemy import Select, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ekesco_api.accounts.models import Account
from ekesco_api.adapters.pdf_receipt import ReceiptDocument, ReceiptItem, render_receipt_pdf
from ekesco_api.clock import local_midnight
from ekesco_api.errors import ApiError, ValidationFailed, normalise_field_errors
from ekesco_api.formatting import format_money
from ekesco_api.i18n import _, language
from ekesco_api.meters.errors import MeterNotFound
from ekesco_api.meters.models import Meter, SupplyPoint
from ekesco_api.meters.ownership import ACCOUNT_ID, owned_meter_ids
from ekesco_api.notifications.models import Device
from ekesco_api.notifications.service import notify_account
from ekesco_api.payments.errors import (
    AmountMismatch,
    BankReferenceTaken,
    CallbackPaymentUnknown,
    IdempotencyKeyReused,
    PaymentNotFound,
    PaymentNotSucceeded,
    SignatureInvalid,
    TimestampOutOfRange,
)
from ekesco_api.payments.gateway import CheckoutRequest, PaymentGateway
from ekesco_api.payments.models import (
    STATUS_EXPIRED,
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SUCCEEDED,
    IdempotencyKey,
    Payment,
    PaymentCallback,
    PaymentItem,
)
from ekesco_api.payments.schemas import PaymentCallbackSchema, PaymentSchema
from ekesco_api.types import utcnow

log = logging.getLogger(__name__)

CURRENCY = "EUR"
ZERO = Decimal("0.00")
PENDING_LIFETIME = dt.timedelta(minutes=30)
KEY_LIFETIME = dt.timedelta(hours=24)  # keys are kept at least this long
CALLBACK_TOLERANCE = dt.timedelta(minutes=5)
KIND_SUCCEEDED = "payment_succeeded"
KIND_FAILED = "payment_failed"
EXPORT_COLUMNS = (
    "reference",
    "customer_code",
    "amount",
    "paid_at",
    "channel",
    "payment_id",
    "bank_reference",
    "meter_number",
)
EXPORT_CHANNEL = "ekesco"


# ---------------------------------------------------------------------------------------------
# Intents


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


# ---------------------------------------------------------------------------------------------
# Reading


def payments_query(account_id: int) -> Select[Any]:
    """The account's payments, newest first (for pagination)."""
    return (
        select(Payment)
        .where(Payment.account_id == account_id)
        .options(selectinload(Payment.items))
        .order_by(Payment.id.desc())
        # Status changes are bulk UPDATEs: never answer from stale objects in the session.
        .execution_options(populate_existing=True)
    )


def get_payment(session: Session, *, account_id: int, payment_id: int) -> Payment:
    """One of the account's payments; `PaymentNotFound` for any other id."""
    payment: Payment | None = session.scalar(
        payments_query(account_id).where(Payment.id == payment_id)
    )
    if payment is None:
        raise PaymentNotFound()
    return payment


def receipt_number(payment: Payment) -> str:
    return f"EK-{payment.id:08d}"


def receipt_pdf(
    session: Session, *, account_id: int, payment_id: int, language: str
) -> tuple[str, bytes]:
    """(file name, PDF) of a succeeded payment's receipt."""
    payment = get_payment(session, account_id=account_id, payment_id=payment_id)
    if payment.status != STATUS_SUCCEEDED or payment.completed_at is None:
        raise PaymentNotSucceeded()
    number = receipt_number(payment)
    document = ReceiptDocument(
        receipt_number=number,
        paid_at=payment.completed_at,
        amount=payment.amount,
        bank_reference=payment.bank_reference or "",
        items=tuple(ReceiptItem(item.customer_code, item.amount) for item in payment.items),
        commission=payment.commission,
    )
    return f"receipt-{number}.pdf", render_receipt_pdf(document, language=language)


# ---------------------------------------------------------------------------------------------
# The bank's callback


@dataclass(frozen=True, slots=True)
class CallbackResult:
    outcome: str  # "applied", "repeat" (applied before) or "ignored" (a failure after success)
    payment_id: int
    status: str


def callback_signature(secret: str, timestamp: str, raw_body: bytes) -> str:
    """Hex HMAC-SHA256 of `"<timestamp>.<raw body>"`: what the bank sends as X-Signature."""
    message = timestamp.encode() + b"." + raw_body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def receive_callback(
    session: Session,
    *,
    raw_body: bytes,
    timestamp: str | None,
    signature: str | None,
    secret: str,
    remote_addr: str | None = None,
    user_agent: str | None = None,
    now: dt.datetime | None = None,
) -> CallbackResult:
    """Verify and apply one callback; every call is recorded, accepted or not.

    Raises `SignatureInvalid`, `TimestampOutOfRange`, `ValidationFailed`,
    `CallbackPaymentUnknown`, `AmountMismatch` or `BankReferenceTaken` (after recording it).
    """
    now = now or utcnow()
    entry = PaymentCallback(
        received_at=now,
        timestamp_header=(timestamp or None) and timestamp[:40],
        signature_header=(signature or None) and signature[:200],
        remote_addr=remote_addr and remote_addr[:64],
        user_agent=user_agent and user_agent[:200],
        body=raw_body.decode("utf-8", "replace").replace("\x00", "\ufffd"),  # PG text has no NUL
        outcome="",
        status_code=0,
    )
    seen: dict[str, int] = {}
    try:
        with session.begin_nested():  # a refusal undoes everything but the record of it
            result = _apply_callback(session, raw_body, timestamp, signature, secret, now, seen)
    except ApiError as error:
        entry.payment_id = seen.get("payment_id")
        entry.outcome = error.code
        entry.status_code = error.status
        session.add(entry)
        session.commit()
        log.warning("payment callback refused: %s (payment %s)", error.code, entry.payment_id)
        raise
    entry.payment_id = result.payment_id
    entry.outcome = result.outcome
    entry.status_code = 200
    session.add(entry)
    session.commit()
    return result


def _apply_callback(
    session: Session,
    raw_body: bytes,
    timestamp: str | None,
    signature: str | None,
    secret: str,
    now: dt.datetime,
    seen: dict[str, int],
) -> CallbackResult:
    if not timestamp or not signature:
        raise SignatureInvalid()
    expected = callback_signature(secret, timestamp, raw_body).encode()
    if not hmac.compare_digest(expected, signature.strip().lower().encode("utf-8", "replace")):
        raise SignatureInvalid()
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise TimestampOutOfRange() from None
    if abs(now.timestamp() - sent_at) > CALLBACK_TOLERANCE.total_seconds():
        raise TimestampOutOfRange()

    data = _callback_data(raw_body)
    seen["payment_id"] = data["payment_id"]
    payment = session.get(Payment, data["payment_id"])
    if payment is None:
        raise CallbackPaymentUnknown()
    try:
        amount = Decimal(str(data["amount"]))
    except InvalidOperation:
        raise AmountMismatch() from None
    if not amount.is_finite() or amount != payment.amount or data["currency"] != payment.currency:
        raise AmountMismatch()

    new_status = data["status"]
    # A charge the bank confirms counts whatever we thought before (see the module docstring).
    allowed_from = (
        (STATUS_PENDING, STATUS_EXPIRED, STATUS_FAILED)
        if new_status == STATUS_SUCCEEDED
        else (STATUS_PENDING,)
    )
    try:
        changed = session.execute(
            update(Payment)
            .where(Payment.id == payment.id, Payment.status.in_(allowed_from))
            .values(status=new_status, bank_reference=data["bank_reference"], completed_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
    except IntegrityError:
        raise BankReferenceTaken() from None
    session.refresh(payment)
    if not changed:
        outcome = "repeat" if payment.status == new_status else "ignored"
        return CallbackResult(outcome, payment.id, payment.status)
    if new_status == STATUS_SUCCEEDED:
        several = len(payment.items) > 1
        for item in payment.items:
            reference = data["bank_reference"]
            item.cis_reference = f"{reference}-{item.position}" if several else reference
        try:
            session.flush()
        except IntegrityError:
            raise BankReferenceTaken() from None
    _notify(session, payment)
    return CallbackResult("applied", payment.id, payment.status)


def _callback_data(raw_body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(raw_body)
    except ValueError:
        raise ValidationFailed(errors={"_schema": [_("The body is not valid JSON.")]}) from None
    try:
        data: dict[str, Any] = PaymentCallbackSchema().load(document)
    except ma.ValidationError as error:
        errors, _codes = normalise_field_errors(error.messages)
        raise ValidationFailed(errors=errors) from None
    return data


def _notify(session: Session, payment: Payment) -> None:
    """Tell the customer, in their language: the inbox, and push (or e-mail without a device)."""
    if payment.account_id is None:
        return
    account = session.get(Account, payment.account_id)
    if account is None:
        return
    codes = ", ".join(dict.fromkeys(item.customer_code for item in payment.items))
    with language(account.language):
        amount = format_money(payment.amount, account.language)
        if payment.status == STATUS_SUCCEEDED:
            kind = KIND_SUCCEEDED
            title = _("Payment received")
            body = _(
                "We received your payment of %(amount)s for %(codes)s (bank reference "
                "%(reference)s). It may take a few days to show on your bill; until then it is "
                "shown as pending.",
                amount=amount,
                codes=codes,
                reference=payment.bank_reference or "",
            )
        else:
            kind = KIND_FAILED
            title = _("Payment not completed")
            body = _(
                "Your payment of %(amount)s for %(codes)s was not completed and nothing was "
                "charged. You can try again in the app.",
                amount=amount,
                codes=codes,
            )
    tokens = session.scalars(select(Device.push_token).where(Device.account_id == account.id))
    notify_account(
        session,
        account_id=account.id,
        email=account.email,
        push_tokens=list(tokens),
        kind=kind,
        title=title,
        body=body,
    )


# ---------------------------------------------------------------------------------------------
# Housekeeping and the CIS


def expire_payments(session: Session, *, now: dt.datetime | None = None) -> int:
    """Mark intents pending for more than 30 minutes `expired`; how many there were."""
    now = now or utcnow()
    count = session.execute(
        update(Payment)
        .where(Payment.status == STATUS_PENDING, Payment.created_at < now - PENDING_LIFETIME)
        .values(status=STATUS_EXPIRED, completed_at=now)
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    return int(count or 0)


def purge_idempotency_keys(session: Session, *, now: dt.datetime | None = None) -> int:
    """Forget idempotency keys older than 24 hours; how many were removed."""
    now = now or utcnow()
    count = session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEY_LIFETIME)
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    return int(count or 0)


@dataclass(frozen=True, slots=True)
class Housekeeping:
    expired: int
    keys_purged: int


def housekeeping(session: Session, *, now: dt.datetime | None = None) -> Housekeeping:
    """One pass of the payments worker: expire stale intents, forget day-old keys."""
    now = now or utcnow()
    return Housekeeping(
        expired=expire_payments(session, now=now),
        keys_purged=purge_idempotency_keys(session, now=now),
    )


def run_housekeeping(
    session: Session, *, stop: threading.Event, every: float, now: Callable[[], dt.datetime]
) -> int:
    """Housekeeping every `every` seconds until `stop` is set; how many passes ran.

    A failed pass is logged and retried at the next tick: a database outage must not end
    the worker.
    """
    passes = 0
    while not stop.is_set():
        try:
            done = housekeeping(session, now=now())
            if done.expired or done.keys_purged:
                log.info("payments: %s expired, %s keys purged", done.expired, done.keys_purged)
        except Exception:
            session.rollback()
            log.exception("payments housekeeping failed; retrying in %s s", every)
        passes += 1
        stop.wait(every)
    return passes


def _instant(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_payments(session: Session, *, day: dt.date, out: TextIO) -> int:
    """Write the payments that succeeded on a local (Europe/Belgrade) day as CSV for the CIS.

    One row per customer code paid, with the columns of the CIS's own payments.csv first
    (`reference` is what the CIS sends back), then our ids. Returns the number of rows.
    """
    start, end = local_midnight(day), local_midnight(day + dt.timedelta(days=1))
    rows = session.execute(
        select(PaymentItem, Payment.id, Payment.bank_reference, Payment.completed_at)
        .join(Payment, Payment.id == PaymentItem.payment_id)
        .where(
            Payment.status == STATUS_SUCCEEDED,
            Payment.completed_at >= start,
            Payment.completed_at < end,
        )
        .order_by(Payment.completed_at, Payment.id, PaymentItem.position)
    ).all()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for item, payment_id, bank_reference, completed_at in rows:
        writer.writerow(
            [
                item.cis_reference,
                item.customer_code,
                f"{item.amount:.2f}",
                _instant(completed_at),
                EXPORT_CHANNEL,
                payment_id,
                bank_reference,
                item.meter_number,
            ]
        )
    return len(rows)
