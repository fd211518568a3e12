"""Request and response bodies of registration and verification."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import marshmallow as ma
from marshmallow import ValidationError, validate

from ekesco_api.clock import local_today
from ekesco_api.errors import WeakPassword, field_error
from ekesco_api.fields import UtcDateTime
from ekesco_api.i18n import LANGUAGES
from ekesco_api.passwords import check_password_policy
from ekesco_api.phones import parse_kosovo_mobile
from ekesco_api.registration.errors import (
    IdCardExpired,
    PersonalNumberInvalid,
    PhoneNotKosovoMobile,
)
from ekesco_api.registration.models import CHANNELS

_PERSONAL_NUMBER = re.compile(r"^[0-9]{10}$")


class Trimmed(ma.fields.String):
    """A string without the spaces people leave around what they type."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        return " ".join(text.split())


class KosovoMobile(ma.fields.String):
    """A Kosovo mobile number in any usual form, loaded as E.164 (`+38344123456`).

    Anything else fails with the field code `phone_not_kosovo_mobile`.
    """

    def __init__(self, **kwargs: Any) -> None:
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("example", "044 123 456")
        metadata.setdefault(
            "description",
            "A Kosovo mobile number (+383 4x…) in any usual form: `044 123 456`, "
            "`+383 44 123 456`, `0038344123456`. Stored and returned as E.164.",
        )
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return parse_kosovo_mobile(value)
        except ValueError as exc:
            raise ValidationError(
                field_error(PhoneNotKosovoMobile.code, PhoneNotKosovoMobile.title)
            ) from exc


class PersonalNumber(ma.fields.String):
    """The 10-digit personal number of a Kosovo identity card."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = value.strip() if isinstance(value, str) else ""
        if not _PERSONAL_NUMBER.match(text):
            raise ValidationError(
                field_error(PersonalNumberInvalid.code, PersonalNumberInvalid.title)
            )
        return text


def _weak(error: WeakPassword) -> ValidationError:
    return ValidationError(field_error(WeakPassword.code, str(error.detail)))


def _password_alone(password: str) -> None:
    try:
        check_password_policy(password, personal=[])
    except WeakPassword as error:
        raise _weak(error) from error


def _card_valid(expiry: dt.date) -> None:
    """An identity card that has not expired on today's Kosovo date (else `id_card_expired`)."""
    if expiry < local_today():
        raise ValidationError(field_error(IdCardExpired.code, IdCardExpired.title))


class RegisterSchema(ma.Schema):
    customer_code = Trimmed(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={
            "description": "The customer code on the bill; case and spaces do not matter.",
            "example": "DPR 0123456",
        },
    )
    first_name = Trimmed(
        required=True, validate=validate.Length(min=1, max=120), metadata={"example": "Arbën"}
    )
    last_name = Trimmed(
        required=True, validate=validate.Length(min=1, max=120), metadata={"example": "Krasniqi"}
    )
    phone = KosovoMobile(
        required=True,
        metadata={"description": "Unique among accounts: it is also a login name."},
    )
    email = ma.fields.Email(
        required=True,
        validate=validate.Length(max=254),
        metadata={
            "description": "Unique among accounts, ignoring case.",
            "example": "arben.krasniqi@example.com",
        },
    )
    personal_number = PersonalNumber(
        required=True,
        metadata={
            "description": "The personal number of a Kosovo identity card: exactly 10 digits.",
            "example": "1234567890",
        },
    )
    id_card_expiry = ma.fields.Date(
        required=True,
        validate=_card_valid,
        metadata={
            "description": "The identity card's expiry date; a date before today (Kosovo "
            "time) is refused with `id_card_expired`.",
            "example": "2031-05-17",
        },
    )
    password = ma.fields.String(
        required=True,
        load_only=True,
        validate=_password_alone,
        metadata={
            "description": "12 to 128 characters, not a common password, not made of the "
            "person's own name, e-mail, phone or the word eKesco (`weak_password`).",
            "example": "violet-harbour-lantern-88",
        },
    )
    language = ma.fields.String(
        load_default=None,
        validate=validate.OneOf(LANGUAGES),
        metadata={
            "description": "Language of the account's messages; by default the one "
            "`Accept-Language` chose.",
            "example": "sq",
        },
    )

    @ma.validates_schema(skip_on_field_errors=False)
    def _password_not_personal(self, data: dict[str, Any], **_kwargs: Any) -> None:
        password = data.get("password")
        if not password:
            return
        personal = [data.get(k) for k in ("first_name", "last_name", "email", "phone")]
        try:
            check_password_policy(password, personal=personal)
        except WeakPassword as error:
            raise ValidationError(
                field_error(WeakPassword.code, str(error.detail)), field_name="password"
            ) from error


class VerificationSchema(ma.Schema):
    id = ma.fields.UUID(
        attribute="public_id",
        metadata={
            "description": "Ask `GET /auth/verification/{id}` whether the SMS has left.",
            "example": "3f0c5a52-8a3e-4c8e-9a57-0d1f6c2f4b7e",
        },
    )
    channel = ma.fields.String(metadata={"enum": list(CHANNELS), "example": "sms"})
    expires_at = UtcDateTime(metadata={"description": "The code is valid until then."})
    resend_after = UtcDateTime(
        metadata={"description": "`POST /auth/verify/resend` is possible from then on."}
    )


class RegistrationSchema(ma.Schema):
    account_id = ma.fields.Integer(metadata={"example": 42})
    status = ma.fields.String(metadata={"example": "pending_verification"})
    verification = ma.fields.Nested(VerificationSchema)


class VerificationStatusSchema(ma.Schema):
    channel = ma.fields.String(metadata={"enum": list(CHANNELS), "example": "sms"})
    sent_at = UtcDateTime(
        allow_none=True, metadata={"description": "When the message left; null until then."}
    )
    delivery = ma.fields.String(
        metadata={
            "enum": ["queued", "sent", "failed"],
            "description": "queued: not handed to the operator yet; sent: handed over; "
            "failed: given up (ask for the code by e-mail).",
            "example": "sent",
        }
    )
    carrier = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "The mobile operator of the number (SMS only), or null.",
            "example": "vala",
        },
    )


class VerifySchema(ma.Schema):
    email = ma.fields.Email(
        required=True,
        validate=validate.Length(max=254),
        metadata={"example": "arben.krasniqi@example.com"},
    )
    code = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "The 6 digits from the SMS or e-mail.", "example": "402913"},
    )


class ResendSchema(ma.Schema):
    email = ma.fields.Email(
        required=True,
        validate=validate.Length(max=254),
        metadata={"example": "arben.krasniqi@example.com"},
    )
    channel = ma.fields.String(
        load_default="sms",
        validate=validate.OneOf(CHANNELS),
        metadata={
            "description": "`email` when the SMS does not arrive; `sms` by default.",
            "example": "email",
        },
    )
