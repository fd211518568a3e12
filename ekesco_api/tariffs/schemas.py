"""Shapes of the /tariffs answers: prices per kWh with five places, money with two."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from ekesco_api.fields import DecimalString, Kwh, Money, UtcDateTime


class KwhPrice(DecimalString):
    """EUR per kWh as a decimal string with five places ("0.09050" is 9.05 cents)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(5, signed=False, example="0.09050", **kwargs)


class TariffQuerySchema(ma.Schema):
    on = ma.fields.Date(
        metadata={"description": "The day (YYYY-MM-DD); today in Europe/Belgrade by default."}
    )


class TariffHoursSchema(ma.Schema):
    from_ = ma.fields.String(
        data_key="from",
        metadata={"description": "Local time the period starts.", "example": "07:00"},
    )
    to = ma.fields.String(
        metadata={"description": "Local time the period ends (excluded).", "example": "22:00"}
    )


class TariffPeriodsSchema(ma.Schema):
    high = ma.fields.Nested(TariffHoursSchema, metadata={"description": "High tariff (TL) hours."})
    low = ma.fields.Nested(
        TariffHoursSchema, metadata={"description": "Low tariff (TU) hours, into the next morning."}
    )
    zone = ma.fields.String(metadata={"example": "Europe/Belgrade"})


class TariffBlockSchema(ma.Schema):
    block = ma.fields.Integer(metadata={"description": "1 for the first kWh of the month."})
    from_kwh = Kwh(
        places=2, metadata={"description": "Monthly consumption where the block starts."}
    )
    up_to_kwh = Kwh(
        places=2,
        allow_none=True,
        metadata={"description": "Where the block ends; null for the last (or only) block."},
    )
    price_high = KwhPrice(metadata={"description": "EUR per kWh at high tariff, before VAT."})
    price_low = KwhPrice(metadata={"description": "EUR per kWh at low tariff, before VAT."})


class TariffDecisionSchema(ma.Schema):
    number = ma.fields.String(metadata={"description": "The regulator's decision reference."})
    date = ma.fields.Date()
    title = ma.fields.String()
    url = ma.fields.String(allow_none=True)


class TariffSchema(ma.Schema):
    category = ma.fields.String(
        metadata={"description": "The customer category.", "enum": ["household", "commercial"]}
    )
    valid_from = ma.fields.Date()
    valid_to = ma.fields.Date(
        allow_none=True, metadata={"description": "Last day; null while no decision replaced it."}
    )
    blocks = ma.fields.List(
        ma.fields.Nested(TariffBlockSchema),
        metadata={"description": "Households: up to 800 kWh and above; businesses: one block."},
    )
    fixed_fee = Money(metadata={"description": "EUR per month, before VAT."})
    vat_percent = DecimalString(
        2, signed=False, example="8.00", metadata={"description": "VAT on energy and fee."}
    )
    currency = ma.fields.String(metadata={"example": "EUR"})
    decision = ma.fields.Nested(TariffDecisionSchema)
    note = ma.fields.String(
        allow_none=True, metadata={"description": "Which figures are derived or estimated."}
    )


class TariffDaySchema(ma.Schema):
    on = ma.fields.Date()
    zone = ma.fields.String(metadata={"example": "Europe/Belgrade"})
    periods = ma.fields.Nested(TariffPeriodsSchema)
    tariffs = ma.fields.List(ma.fields.Nested(TariffSchema))


class TariffPeriodNowSchema(ma.Schema):
    period = ma.fields.String(
        metadata={"description": "High (TL) or low (TU) tariff.", "enum": ["high", "low"]}
    )
    until = ma.fields.AwareDateTime(
        format="iso",
        metadata={
            "description": "When the period ends: local time with its offset.",
            "example": "2026-11-24T22:00:00+01:00",
        },
    )
    until_utc = UtcDateTime(
        metadata={"description": "The same instant in UTC.", "example": "2026-11-24T21:00:00Z"}
    )
    zone = ma.fields.String(metadata={"example": "Europe/Belgrade"})
