"""Shapes of /payments: the intent a client sends, the payment it reads, the bank's callback."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask import current_app

from ekesco_api.errors import field_error
from ekesco_api.fields import DecimalString, Money, UtcDateTime
from ekesco_api.i18n import _l
from ekesco_api.payments.models import PAYMENT_STATUSES

MAX_ITEMS = 10  # an account holds at most 10 meters


def max_amount() -> Decimal:
    return Decimal(current_app.config.get("PAYMENT_MAX_AMOUNT", "5000.00"))


def _amount_invalid() -> dict[str, Any]:
    return field_error(
        "amount_invalid",
        _l("Enter an amount above 0.00 with at most two decimals, up to the allowed maximum."),
    )


class PaymentAmount(DecimalString):
    """An amount to pay: above zero, at most two decimals (never rounded), at most the ceiling.

    Every refusal, of the shape ("1e3", 12.5 as a JSON number) as of the range, is the
    contract's `amount_invalid`.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(2, signed=False, example="28.88", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        amount = super()._deserialize(value, attr, data, **kwargs)
        if amount <= 0 or amount > max_amount():
            raise ma.ValidationError(_amount_invalid())
        return amount.quantize(Decimal("0.01"))

    def _invalid(self) -> dict[str, Any]:
        return _amount_invalid()


class PaymentItemInSchema(ma.Schema):
    meter_id = ma.fields.Integer(
        required=True, strict=True, metadata={"description": "One of the account's meters."}
    )
    amount = PaymentAmount(required=True)


class PaymentCreateSchema(ma.Schema):
    items = ma.fields.List(
        ma.fields.Nested(PaymentItemInSchema),
        required=True,
        validate=ma.validate.Length(min=1, max=MAX_ITEMS),
        metadata={"description": "One item per meter to pay; one card payment for all."},
    )

    @ma.validates_schema
    def _one_item_per_meter_and_total(self, data: dict[str, Any], **_kwargs: Any) -> None:
        items = data.get("items") or []
        meters = [item["meter_id"] for item in items]
        if len(set(meters)) != len(meters):
            raise ma.ValidationError(
                _l("Each meter can appear only once in a payment."), field_name="items"
            )
        if sum((item["amount"] for item in items), Decimal(0)) > max_amount():
            raise ma.ValidationError(
                field_error(
                    "amount_invalid", _l("The total is above the most one payment can carry.")
                ),
                field_name="items",
            )


class PaymentItemSchema(ma.Schema):
    meter_id = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "The meter paid; null for a paper bill paid without an account."},
    )
    meter_number = ma.fields.String(allow_none=True)
    customer_code = ma.fields.String()
    bill_number = ma.fields.String(
        allow_none=True,
        metadata={"description": "The paper bill paid without an account; null in the app."},
    )
    amount = Money()


class PaymentSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(
        metadata={"enum": list(PAYMENT_STATUSES), "description": "pending → succeeded | failed"}
    )
    amount = Money(metadata={"description": "What the card is charged: the sum of the items."})
    commission = Money(metadata={"description": "Always 0.00: customers pay no commission."})
    currency = ma.fields.String(metadata={"example": "EUR"})
    redirect_url = ma.fields.String(
        metadata={"description": "The bank's card page; open it to pay (while pending)."}
    )
    bank_reference = ma.fields.String(allow_none=True)
    created_at = UtcDateTime()
    completed_at = UtcDateTime(
        allow_none=True, metadata={"description": "When it succeeded, failed or expired."}
    )
    items = ma.fields.List(ma.fields.Nested(PaymentItemSchema))


class PaymentCallbackSchema(ma.Schema):
    """The body the bank posts (signed with X-Timestamp and X-Signature)."""

    payment_id = ma.fields.Integer(required=True, strict=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(["succeeded", "failed"]))
    bank_reference = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    # Compared with the payment's as a decimal: "28.88", "28.880" and 28.88 all match.
    amount = ma.fields.Raw(required=True, metadata={"type": "string", "example": "28.88"})
    currency = ma.fields.String(required=True, metadata={"example": "EUR"})


class CallbackAnswerSchema(ma.Schema):
    outcome = ma.fields.String(
        metadata={"description": "applied, or repeat when the event was applied before."}
    )
    payment_id = ma.fields.Integer()
    status = ma.fields.String()
