"""Shapes of bills: the list entry, the detail with its lines. Money and kWh are strings."""

from __future__ import annotations

import marshmallow as ma

from ekesco_api.fields import DecimalString, Kwh, Money

STATUSES = ["unpaid", "partially_paid", "paid"]


class BillSummarySchema(ma.Schema):
    id = ma.fields.Integer()
    bill_number = ma.fields.String(metadata={"example": "F2026110012345"})
    period = ma.fields.String(metadata={"example": "2026-10", "description": "YYYY-MM"})
    issued_on = ma.fields.Date()
    due_on = ma.fields.Date()
    kwh_high = Kwh(places=2)
    kwh_low = Kwh(places=2)
    total = Money()
    status = ma.fields.String(
        metadata={
            "enum": STATUSES,
            "description": "Derived from the payments since the oldest bill, settling the "
            "oldest bills first; app payments not yet confirmed count as paid.",
        }
    )


class BillLineSchema(ma.Schema):
    code = ma.fields.String(
        metadata={
            "description": "Stable: A1/B1, A2/B1, A1/B2, A2/B2 (energy, tariff/block), A1, A2, "
            "energy, fixed_fee, vat, previous_balance, other.",
            "example": "A1/B1",
        }
    )
    label = ma.fields.String(metadata={"description": "In the request's language."})
    quantity = DecimalString(3, allow_none=True, example="250.000")
    unit = ma.fields.String(allow_none=True, metadata={"example": "kWh"})
    unit_price = DecimalString(
        5,
        allow_none=True,
        metadata={
            "description": "EUR per unit (VAT: the rate as a fraction).",
            "example": "0.06700",
        },
    )
    amount = Money()


class BillDetailSchema(BillSummarySchema):
    customer_code = ma.fields.String(metadata={"example": "DPR 0123456"})
    category = ma.fields.String(metadata={"enum": ["household", "commercial"]})
    holder_name = ma.fields.String(
        metadata={
            "description": "Masked (`Ar** Kr**`) unless the account's name matches the holder's."
        }
    )
    address = ma.fields.String(metadata={"description": "Masked like `holder_name`."})
    masked = ma.fields.Boolean()
    lines = ma.fields.List(
        ma.fields.Nested(BillLineSchema),
        metadata={"description": "They add up to `total` to the cent."},
    )
    payment_reference = ma.fields.String(
        metadata={"description": "What to quote when paying at a bank or post office."}
    )
