"""Request and response bodies of the staff endpoints."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import ValidationError, validate, validates_schema

from ekesco_api.auth.schemas import TokenPairSchema
from ekesco_api.errors import field_error
from ekesco_api.fields import UtcDateTime
from ekesco_api.registration.schemas import KosovoMobile, PersonalNumber, Trimmed
from ekesco_api.staff.audit import ACTIONS
from ekesco_api.staff.errors import LookupKeyRequired, NothingToChange
from ekesco_api.staff.models import OUTCOME_FAILED, OUTCOME_SUCCESS, ROLES

LOOKUP_KEYS = ("email", "customer_code", "personal_number", "phone")


class StaffLoginSchema(ma.Schema):
    email = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"example": "agent@kesco-energy.com"},
    )
    password = ma.fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=1024)
    )


class StaffTokenPairSchema(TokenPairSchema):
    role = ma.fields.String(
        required=True,
        validate=validate.OneOf(ROLES),
        metadata={"description": "`support`, `dispatcher` or `admin`.", "example": "support"},
    )


class StaffMeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    email = ma.fields.String(required=True)
    role = ma.fields.String(required=True)


class StaffCustomerQuerySchema(ma.Schema):
    email = ma.fields.String(validate=validate.Length(min=1, max=254))
    customer_code = ma.fields.String(validate=validate.Length(min=1, max=32))
    personal_number = PersonalNumber(metadata={"example": "1234567890"})
    phone = KosovoMobile()

    @validates_schema
    def _exactly_one(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if len([key for key in LOOKUP_KEYS if key in data]) != 1:
            raise ValidationError([field_error(LookupKeyRequired.code, LookupKeyRequired.title)])


class StaffMeterSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    customer_code = ma.fields.String(required=True)
    meter_number = ma.fields.String(required=True)
    nickname = ma.fields.String(allow_none=True)
    category = ma.fields.String(required=True, metadata={"description": "household | commercial"})
    is_primary = ma.fields.Boolean(
        required=True, metadata={"description": "On the registration's own customer code."}
    )
    reading_mode = ma.fields.String(required=True, metadata={"description": "remote | manual"})
    tariff_type = ma.fields.String(required=True, metadata={"description": "single | dual"})


class StaffDeliverySchema(ma.Schema):
    status = ma.fields.String(
        required=True, metadata={"description": "`queued`, `sent` or `failed`."}
    )
    sent_at = UtcDateTime(allow_none=True)
    attempts = ma.fields.Integer(required=True)
    last_error = ma.fields.String(allow_none=True)
    carrier = ma.fields.String(
        allow_none=True, metadata={"description": "The SMS operator of the number (SMS only)."}
    )


class StaffCodeLogSchema(StaffDeliverySchema):
    id = ma.fields.UUID(required=True, metadata={"description": "The verification id."})
    purpose = ma.fields.String(
        required=True, metadata={"description": "registration | phone_change | email_change"}
    )
    channel = ma.fields.String(required=True)
    destination = ma.fields.String(required=True)
    created_at = UtcDateTime(required=True)
    expires_at = UtcDateTime(required=True)
    used_at = UtcDateTime(allow_none=True)
    revoked_at = UtcDateTime(allow_none=True)
    code_attempts = ma.fields.Integer(
        required=True, metadata={"description": "Codes typed so far."}
    )


class StaffMessageLogSchema(StaffDeliverySchema):
    id = ma.fields.Integer(required=True)
    channel = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    recipient = ma.fields.String(required=True)
    created_at = UtcDateTime(required=True)


class StaffCustomerSchema(ma.Schema):
    account_id = ma.fields.Integer(required=True)
    customer_code = ma.fields.String(required=True)
    holder_name = ma.fields.String(required=True)
    address = ma.fields.String(required=True)
    first_name = ma.fields.String(required=True)
    last_name = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    phone = ma.fields.String(required=True)
    phone_carrier = ma.fields.String(allow_none=True)
    pending_email = ma.fields.String(allow_none=True)
    pending_phone = ma.fields.String(allow_none=True)
    personal_number = ma.fields.String(required=True)
    language = ma.fields.String(required=True)
    status = ma.fields.String(
        required=True, metadata={"description": "`pending_verification` or `active`."}
    )
    verified = ma.fields.Boolean(required=True)
    verified_at = UtcDateTime(allow_none=True)
    name_matches_holder = ma.fields.Boolean(required=True)
    password_change_required = ma.fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)
    meters = ma.fields.List(ma.fields.Nested(StaffMeterSchema), required=True)
    codes = ma.fields.List(
        ma.fields.Nested(StaffCodeLogSchema),
        required=True,
        metadata={"description": "The last verification codes, newest first (never the code)."},
    )
    messages = ma.fields.List(
        ma.fields.Nested(StaffMessageLogSchema),
        required=True,
        metadata={"description": "The last messages sent, newest first (never their text)."},
    )


class StaffPasswordResetSchema(ma.Schema):
    channel = ma.fields.String(
        required=True,
        validate=validate.OneOf(("sms", "email")),
        metadata={
            "description": "Where the temporary password goes: the registered phone "
            "(`sms`) or e-mail (`email`)."
        },
    )


class StaffContactUpdateSchema(ma.Schema):
    email = ma.fields.Email(validate=validate.Length(max=254))
    phone = KosovoMobile()

    @validates_schema
    def _something(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data:
            raise ValidationError([field_error(NothingToChange.code, NothingToChange.title)])


class StaffRegistrationRemoveSchema(ma.Schema):
    reason = Trimmed(
        required=True,
        validate=validate.Length(min=3, max=1000),
        metadata={
            "description": "Why (e.g. the holder's request and how it was checked).",
            "example": "Holder came to the Prishtina office with ID; old phone lost.",
        },
    )


class StaffAuditQuerySchema(ma.Schema):
    staff_id = ma.fields.Integer()
    account_id = ma.fields.Integer()
    action = ma.fields.String(
        validate=validate.Length(min=1, max=40),
        metadata={"description": "e.g. " + ", ".join(ACTIONS) + " (other domains add theirs)."},
    )
    outcome = ma.fields.String(validate=validate.OneOf((OUTCOME_SUCCESS, OUTCOME_FAILED)))
    # `from` is a keyword in Python; the query parameter keeps the contract-friendly name.
    since = UtcDateTime(data_key="from", metadata={"description": "From this time (inclusive)."})
    until = UtcDateTime(data_key="to", metadata={"description": "Up to this time (exclusive)."})


class StaffAuditEntrySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    created_at = UtcDateTime(required=True)
    staff_id = ma.fields.Integer(allow_none=True)
    staff_email = ma.fields.String(allow_none=True)
    role = ma.fields.String(allow_none=True)
    action = ma.fields.String(required=True)
    account_id = ma.fields.Integer(allow_none=True)
    customer_code = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(required=True, metadata={"description": "`success` or `failed`."})
    error_code = ma.fields.String(allow_none=True)
    details = ma.fields.Dict(required=True)
    request_id = ma.fields.String(allow_none=True)
