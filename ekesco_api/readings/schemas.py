"""What GET /meters/{id}/readings answers."""

from __future__ import annotations

import marshmallow as ma

from ekesco_api.fields import Kwh, Money, UtcDateTime


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
