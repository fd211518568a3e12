"""Shapes of /meters: meters, their reads and their balance. Money and kWh are strings."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

import marshmallow as ma

from ekesco_api.errors import field_error
from ekesco_api.fields import Money, UtcDateTime
from ekesco_api.i18n import _l
from ekesco_api.meters.service import NICKNAME_MAX


class Kwh(ma.fields.Decimal):
    """Energy in kWh as a decimal string ("1234.567"); register totals keep three places."""

    def __init__(self, places: int = 3, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("example", "1234.567")
        super().__init__(places=places, rounding=ROUND_HALF_UP, as_string=True, **kwargs)


def _identifier(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError(
            field_error("validation_error", _l("Missing data for required field."))
        )


class MeterAreaSchema(ma.Schema):
    id = ma.fields.Integer()
    level = ma.fields.String(metadata={"enum": ["city", "locality", "neighbourhood"]})
    name = ma.fields.String(metadata={"description": "In the request's language."})


class MeterSchema(ma.Schema):
    id = ma.fields.Integer(metadata={"description": "The meter's id in this API."})
    customer_code = ma.fields.String(metadata={"example": "DPR 0123456"})
    meter_number = ma.fields.String(metadata={"example": "52013344"})
    nickname = ma.fields.String(allow_none=True, metadata={"example": "Shtëpia"})
    reading_mode = ma.fields.String(
        metadata={
            "enum": ["remote", "manual"],
            "description": "`remote`: read remotely, shows current consumption; `manual`: read "
            "by hand (SOND) once a month.",
        }
    )
    category = ma.fields.String(metadata={"enum": ["household", "commercial"]})
    tariff_type = ma.fields.String(metadata={"enum": ["single", "dual"]})
    address = ma.fields.String(
        metadata={
            "description": "Masked (`Rr** Në** Te**`) when the account's name does not "
            "match the holder's."
        }
    )
    area = ma.fields.Nested(MeterAreaSchema, allow_none=True)
    is_primary = ma.fields.Boolean(
        metadata={
            "description": "A meter of the customer code the account registered with; "
            "listed first, cannot be removed."
        }
    )


class MeterAddSchema(ma.Schema):
    customer_code = ma.fields.String(
        required=True, validate=[ma.validate.Length(max=32), _identifier]
    )
    meter_number = ma.fields.String(
        required=True, validate=[ma.validate.Length(max=32), _identifier]
    )
    nickname = ma.fields.String(
        allow_none=True, load_default=None, validate=ma.validate.Length(max=NICKNAME_MAX)
    )


class MeterUpdateSchema(ma.Schema):
    nickname = ma.fields.String(
        required=True,
        allow_none=True,
        validate=ma.validate.Length(max=NICKNAME_MAX),
        metadata={"description": "null or an empty string removes the nickname."},
    )


class RegisterReadSchema(ma.Schema):
    read_at = UtcDateTime()
    kwh_high_total = Kwh(metadata={"description": "High-tariff register (running total)."})
    kwh_low_total = Kwh(metadata={"description": "Low-tariff register (running total)."})


class MonthlyReadSchema(ma.Schema):
    period = ma.fields.String(metadata={"example": "2026-10"})
    kwh_high = Kwh(places=2)
    kwh_low = Kwh(places=2)
    kwh_total = Kwh(places=2)
    bill_id = ma.fields.Integer()


class CurrentConsumptionSchema(ma.Schema):
    since = UtcDateTime(metadata={"description": "Start of the unbilled period (or first read)."})
    as_of = UtcDateTime(metadata={"description": "Time of the latest read."})
    kwh_high = Kwh()
    kwh_low = Kwh()
    kwh_total = Kwh()
    estimated_amount = Money(
        allow_none=True,
        metadata={
            "description": "Energy, fixed fee and VAT for the unbilled months so far, by the "
            "tariff in force; an estimate, the bill decides."
        },
    )


class ReadingsSchema(ma.Schema):
    meter_id = ma.fields.Integer()
    reading_mode = ma.fields.String(metadata={"enum": ["remote", "manual"]})
    reads = ma.fields.List(
        ma.fields.Nested(RegisterReadSchema),
        metadata={"description": "Recent register reads, newest first (remote meters only)."},
    )
    monthly = ma.fields.List(
        ma.fields.Nested(MonthlyReadSchema),
        metadata={"description": "Consumption per billed month, newest first."},
    )
    current = ma.fields.Nested(
        CurrentConsumptionSchema,
        allow_none=True,
        metadata={"description": "Consumption since the last bill; null when there is none."},
    )
    note = ma.fields.String(
        allow_none=True,
        metadata={"description": "Why there is no current figure, in the request's language."},
    )


class LatestBillSchema(ma.Schema):
    id = ma.fields.Integer()
    bill_number = ma.fields.String()
    period = ma.fields.String(metadata={"example": "2026-10"})
    issued_on = ma.fields.Date()
    due_on = ma.fields.Date()
    total = Money()


class MeterBalanceSchema(ma.Schema):
    meter_id = ma.fields.Integer()
    meter_number = ma.fields.String()
    customer_code = ma.fields.String()
    nickname = ma.fields.String(allow_none=True)
    reading_mode = ma.fields.String(metadata={"enum": ["remote", "manual"]})
    is_primary = ma.fields.Boolean()
    amount_due = Money(
        metadata={"description": "Latest bill less payments since, incl. pending app payments."}
    )
    pending_payments = Money(
        metadata={"description": "App payments the supplier's system has not confirmed yet."}
    )
    latest_bill = ma.fields.Nested(LatestBillSchema, allow_none=True)
    last_synced_at = UtcDateTime(
        allow_none=True, metadata={"description": "When the supplier's data were last imported."}
    )
    as_of = UtcDateTime()
