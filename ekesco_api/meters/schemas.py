"""Shapes of /meters: meters, their reads and their balance. Money and kWh are strings."""

from __future__ import annotations

import marshmallow as ma

from ekesco_api.errors import field_error
from ekesco_api.i18n import _l
from ekesco_api.meters.service import NICKNAME_MAX


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
