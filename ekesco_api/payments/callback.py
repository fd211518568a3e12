"""The bank's callback: its signature checked, its result applied exactly once, the customer told.

`receive_callback` moves a payment to `succeeded` or `failed`, exactly once however often the
bank repeats itself, and records every call, accepted or refused.

A payment the bank confirms after it expired is still marked `succeeded`: the customer's card
was charged, so the money has to count; refusing it would leave a charge without a payment.
A success also wins over an earlier `failed` for the same reason; a failure never undoes a
success.

A success gives each item its `cis_reference` (the bank reference, suffixed `-1`, `-2`, … when
one payment covers several customer codes): the CIS brings the payment back under it (see
`ledger`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import marshmallow as ma
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.errors import ApiError, ValidationFailed
from ekesco_api.formatting import format_money
from ekesco_api.i18n import _, language
from ekesco_api.notifications.models import Device
from ekesco_api.notifications.service import notify_account, queue_message
from ekesco_api.payments import receipts
from ekesco_api.payments.errors import (
    AmountMismatch,
    BankReferenceTaken,
    CallbackPaymentUnknown,
    SignatureInvalid,
    TimestampOutOfRange,
)
from ekesco_api.payments.models import (
    STATUS_EXPIRED,
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SUCCEEDED,
    Payment,
    PaymentCallback,
)
from ekesco_api.payments.schemas import PaymentCallbackSchema
from ekesco_api.types import utcnow
from ekesco_api.validation_messages import normalise_field_errors

log = logging.getLogger(__name__)

CALLBACK_TOLERANCE = dt.timedelta(minutes=5)
KIND_SUCCEEDED = "payment_succeeded"
KIND_FAILED = "payment_failed"
KIND_RECEIPT = "payment_receipt"


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
    """Tell the customer, in their language: the inbox, and push (or e-mail without a device);
    someone who paid a paper bill without an account gets the receipt at the address they gave."""
    if payment.payer_email:
        subject, body = receipts.payer_message(payment)
        queue_message(
            session,
            channel="email",
            to=payment.payer_email,
            subject=subject,
            body=body,
            kind=KIND_RECEIPT if payment.status == STATUS_SUCCEEDED else KIND_FAILED,
        )
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
