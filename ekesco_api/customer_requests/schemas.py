"""Shapes of requests and complaints: what the customer files and reads, what support works."""

from __future__ import annotations

import unicodedata
from typing import Any

import marshmallow as ma
from marshmallow import validate

from ekesco_api.customer_requests.models import (
    KINDS,
    STATUS_IN_PROGRESS,
    STATUS_REJECTED,
    STATUS_RESOLVED,
    STATUSES,
    TOPICS,
)
from ekesco_api.errors import field_error
from ekesco_api.fields import Money, UtcDateTime
from ekesco_api.i18n import _

MAX_TEXT = 4000
TEXT_CODE = "characters_not_allowed"
# The line breaks people type: a newline and a tab pass; CR LF and a lone CR read as a newline.
_ALLOWED_CONTROLS = frozenset("\n\t\r")


class FreeText(ma.fields.String):
    """Text a person writes, in any script: 1 to 4,000 characters once trimmed.

    Refused with the field code `characters_not_allowed`, naming the first offender and its
    place: NUL and every other control character but newline and tab (CR LF and CR are read
    as newlines), and lone UTF-16 surrogates, which no database can store.
    """

    def __init__(self, **kwargs: Any) -> None:
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault(
            "description",
            f"1 to {MAX_TEXT:,} characters (Unicode code points, after trimming), any script; "
            "new lines and tabs allowed, other control characters, NUL and lone surrogates "
            f"refused (`{TEXT_CODE}`).",
        )
        super().__init__(validate=validate.Length(min=1, max=MAX_TEXT), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        for position, character in enumerate(text, start=1):
            if character in _ALLOWED_CONTROLS:
                continue
            if unicodedata.category(character) in ("Cc", "Cs"):
                message = _(
                    "This text contains a character that is not allowed (U+%(codepoint)s at "
                    "position %(position)s). Letters of any script, digits, punctuation, "
                    "emoji, new lines and tabs are fine.",
                    codepoint=f"{ord(character):04X}",
                    position=position,
                )
                raise ma.ValidationError(field_error(TEXT_CODE, message))
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()


# --- the customer --------------------------------------------------------------------------


class RequestCreateSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=validate.OneOf(KINDS))
    topic = ma.fields.String(required=True, validate=validate.OneOf(TOPICS))
    meter_id = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=1),
        metadata={
            "description": "One of the account's meters (`GET /meters`), if it is about one."
        },
    )
    description = FreeText(required=True, metadata={"example": "Fatura e tetorit është dyfish."})


class HistoryEntrySchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"enum": list(STATUSES)})
    at = UtcDateTime(required=True)
    note = ma.fields.String(
        allow_none=True,
        metadata={"description": "Support's words to the customer; none on the filing."},
    )


class RequestSummarySchema(ma.Schema):
    reference = ma.fields.String(required=True, metadata={"example": "KS-2026-000123"})
    kind = ma.fields.String(required=True, metadata={"enum": list(KINDS)})
    topic = ma.fields.String(required=True, metadata={"enum": list(TOPICS)})
    meter_id = ma.fields.Integer(allow_none=True)
    meter_number = ma.fields.String(allow_none=True)
    description = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": list(STATUSES)})
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


class RequestSchema(RequestSummarySchema):
    history = ma.fields.List(
        ma.fields.Nested(HistoryEntrySchema),
        attribute="events",
        required=True,
        metadata={"description": "Oldest first: the filing, then every move and reply."},
    )


# --- support ---------------------------------------------------------------------------------


class StaffRequestQuerySchema(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf(STATUSES))
    kind = ma.fields.String(validate=validate.OneOf(KINDS))
    topic = ma.fields.String(validate=validate.OneOf(TOPICS))
    customer_code = ma.fields.String(
        validate=validate.Length(min=1, max=32),
        metadata={"description": "The account's or the meter's code, ignoring case and spaces."},
    )


class StaffRequestChangeSchema(ma.Schema):
    status = ma.fields.String(
        required=True,
        validate=validate.OneOf((STATUS_IN_PROGRESS, STATUS_RESOLVED, STATUS_REJECTED)),
        metadata={"description": "`in_progress` again with a note is a reply."},
    )
    note = FreeText(required=True, metadata={"example": "Fatura u korrigjua; shuma e re: 28.88 €."})
    version = ma.fields.Integer(
        strict=True,
        validate=validate.Range(min=1),
        metadata={
            "description": "The request's `version` as the agent last read it: if it has "
            "changed since, nothing changes and the answer is 409 `request_changed`."
        },
    )


class StaffHistoryEntrySchema(HistoryEntrySchema):
    staff_email = ma.fields.String(
        allow_none=True, metadata={"description": "The agent who acted; none: the customer."}
    )


class StaffRequestSchema(RequestSummarySchema):
    version = ma.fields.Integer(required=True)
    account_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "None once the account was deleted."}
    )
    customer_code = ma.fields.String(required=True)
    customer_name = ma.fields.String(allow_none=True)


class CustomerContactSchema(ma.Schema):
    account_id = ma.fields.Integer()
    customer_code = ma.fields.String()
    first_name = ma.fields.String()
    last_name = ma.fields.String()
    email = ma.fields.String()
    phone = ma.fields.String()
    language = ma.fields.String()


class AccountMeterSchema(ma.Schema):
    id = ma.fields.Integer()
    customer_code = ma.fields.String()
    meter_number = ma.fields.String()
    address = ma.fields.String()
    is_primary = ma.fields.Boolean()


class AccountDataSchema(ma.Schema):
    holder_name = ma.fields.String(metadata={"description": "The holder in the CIS."})
    holder_personal_number = ma.fields.String(allow_none=True)
    address = ma.fields.String()
    category = ma.fields.String()
    personal_number = ma.fields.String(metadata={"description": "Given at registration."})
    id_card_expiry = ma.fields.Date()
    name_matches_holder = ma.fields.Boolean()
    pending_email = ma.fields.String(allow_none=True)
    pending_phone = ma.fields.String(allow_none=True)
    registered_at = UtcDateTime()
    meters = ma.fields.List(ma.fields.Nested(AccountMeterSchema))


class PaymentLineSchema(ma.Schema):
    source = ma.fields.String(metadata={"enum": ["app", "cis"]})
    paid_at = UtcDateTime(allow_none=True)
    amount = Money()
    customer_code = ma.fields.String()
    meter_number = ma.fields.String(allow_none=True)
    reference = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"description": "An app payment's; `recorded` for the CIS."})
    channel = ma.fields.String()


class StaffRequestDetailSchema(StaffRequestSchema):
    history = ma.fields.List(
        ma.fields.Nested(StaffHistoryEntrySchema), attribute="events", required=True
    )
    customer = ma.fields.Nested(
        CustomerContactSchema,
        allow_none=True,
        metadata={"description": "None once the account was deleted."},
    )
    account_data = ma.fields.Nested(
        AccountDataSchema,
        allow_none=True,
        metadata={"description": "For `data_update` and `wrong_payment_code` only."},
    )
    last_payments = ma.fields.List(
        ma.fields.Nested(PaymentLineSchema),
        allow_none=True,
        metadata={
            "description": "For `data_update` and `wrong_payment_code` only: the account's "
            "card payments and what the CIS recorded on its codes, newest first."
        },
    )
