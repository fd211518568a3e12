"""Bodies of /me: the profile, its changes, confirmation codes and the password change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from marshmallow import ValidationError, validate

from ekesco_api.clock import local_today
from ekesco_api.errors import field_error
from ekesco_api.fields import UtcDateTime
from ekesco_api.i18n import LANGUAGES
from ekesco_api.profile.errors import IdCardExpired
from ekesco_api.registration.schemas import KosovoMobile

_PASSWORD = validate.Length(min=1, max=1024)


class ProfileSchema(ma.Schema):
    account_id = ma.fields.Integer(attribute="id", metadata={"example": 42})
    customer_code = ma.fields.Function(
        lambda account: account.supply_point.customer_code,
        metadata={
            "type": "string",
            "description": "The customer code as the supplier writes it.",
            "example": "DPR 0123456",
        },
    )
    first_name = ma.fields.String(metadata={"example": "Arbën"})
    last_name = ma.fields.String(metadata={"example": "Krasniqi"})
    email = ma.fields.String(metadata={"example": "arben.krasniqi@example.com"})
    phone = ma.fields.String(metadata={"description": "E.164.", "example": "+38344123456"})
    language = ma.fields.String(
        metadata={"enum": list(LANGUAGES), "description": "Language of messages.", "example": "sq"}
    )
    name_matches_holder = ma.fields.Boolean(
        metadata={
            "description": "Whether the name given at registration matches the holder's of the "
            "account's own customer code in the supplier's records; when not, the holder's name "
            "and address on its bills are masked. A code added later is masked unless its own "
            "holder's name matches.",
            "example": True,
        }
    )
    id_card_expiry = ma.fields.Date(metadata={"example": "2031-05-17"})
    created_at = UtcDateTime()
    pending_email = ma.fields.String(
        metadata={
            "description": "A new e-mail waiting for its code (`POST /me/email/verify`); "
            "present only while one waits.",
            "example": "arben.new@example.com",
            "sometimes": True,
        }
    )
    pending_phone = ma.fields.String(
        metadata={
            "description": "A new phone waiting for its code (`POST /me/phone/verify`); "
            "present only while one waits.",
            "example": "+38345123456",
            "sometimes": True,
        }
    )

    @ma.post_dump
    def _omit_nothing_pending(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        for key in ("pending_email", "pending_phone"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


def _card_valid(expiry: dt.date) -> None:
    if expiry < local_today():
        raise ValidationError(field_error(IdCardExpired.code, IdCardExpired.title))


class ProfileUpdateSchema(ma.Schema):
    email = ma.fields.Email(
        validate=validate.Length(max=254),
        metadata={
            "description": "A new e-mail: it takes effect once the code sent to it is confirmed "
            "with `POST /me/email/verify`. 409 `email_taken` if another account has it.",
            "example": "arben.new@example.com",
        },
    )
    phone = KosovoMobile(
        metadata={
            "description": "A new Kosovo mobile number in any usual form: it takes effect once "
            "the SMS code is confirmed with `POST /me/phone/verify`. 409 `phone_taken` if another "
            "account has it; 422 `phone_not_kosovo_mobile` if it is no Kosovo mobile."
        }
    )
    language = ma.fields.String(
        validate=validate.OneOf(LANGUAGES),
        metadata={"description": "Takes effect at once.", "example": "en"},
    )
    id_card_expiry = ma.fields.Date(
        validate=_card_valid,
        metadata={
            "description": "The renewed identity card's expiry; takes effect at once. A past "
            "date (Kosovo time) is refused with `id_card_expired`.",
            "example": "2034-02-01",
        },
    )

    @ma.pre_load
    def _trim_email(self, data: Any, **_kwargs: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            data = {**data, "email": data["email"].strip()}
        return data


class CodeSchema(ma.Schema):
    code = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "The 6-digit code from the SMS or e-mail.", "example": "042917"},
    )


class PasswordChangeSchema(ma.Schema):
    current_password = ma.fields.String(
        required=True, load_only=True, validate=_PASSWORD, metadata={"example": "old-password-1"}
    )
    new_password = ma.fields.String(
        required=True,
        load_only=True,
        validate=_PASSWORD,
        metadata={
            "description": "12 to 128 characters, not a common password, not made of the "
            "person's own name, e-mail, phone or the word eKesco (`weak_password`).",
            "example": "quiet-river-copper-kite",
        },
    )


class AccountDeleteSchema(ma.Schema):
    password = ma.fields.String(
        required=True,
        load_only=True,
        validate=_PASSWORD,
        metadata={"description": "The account's password, to confirm.", "example": "my-password"},
    )
