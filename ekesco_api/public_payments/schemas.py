"""Shapes of /public: the paper bill's two references, what the payer sees, the payment."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from ekesco_api.fields import Money
from ekesco_api.payments.schemas import PaymentAmount

_CODE = {
    "description": "The customer code printed on the bill (spaces and case do not matter).",
    "example": "DPR 0123456",
}
_NUMBER = {"description": "The bill number printed on the bill.", "example": "2026110012345"}


class BillLookupArgs(ma.Schema):
    customer_code = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=64), metadata=_CODE
    )
    bill_number = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=64), metadata=_NUMBER
    )


class PayableBillSchema(ma.Schema):
    customer_code = ma.fields.String(metadata={"example": "DPR 0123456"})
    bill_number = ma.fields.String(metadata={"example": "2026110012345"})
    holder = ma.fields.String(
        metadata={"description": "The holder's initials, nothing more.", "example": "A. K."}
    )
    period = ma.fields.String(metadata={"description": "YYYY-MM", "example": "2026-11"})
    due_on = ma.fields.Date()
    amount_due = Money(
        metadata={
            "description": "What is still owed on this bill: its total less what was paid "
            "towards the code since it was issued (0.00 once paid)."
        }
    )


class BillPaymentCreateSchema(BillLookupArgs):
    amount = PaymentAmount(
        required=True,
        metadata={"description": "Any amount up to the ceiling; the bill's amount_due pays it."},
    )
    email = ma.fields.Email(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=254),
        metadata={
            "description": "Where the receipt goes, in the language of the request; optional.",
            "example": "payer@example.com",
        },
    )
