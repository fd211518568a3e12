"""What /me/devices and /me/notifications read and answer."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from ekesco_api.fields import UtcDateTime
from ekesco_api.notifications.models import CHOSEN_CHANNELS, PLATFORMS


class DeviceSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    platform = ma.fields.String(required=True, validate=validate.OneOf(PLATFORMS))
    push_token = ma.fields.String(required=True, validate=validate.Length(min=1, max=512))
    created_at = UtcDateTime(dump_only=True)


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"example": "outage_announced"})
    title = ma.fields.String()
    body = ma.fields.String()
    outage_id = ma.fields.Integer(allow_none=True)
    created_at = UtcDateTime()
    read_at = UtcDateTime(allow_none=True)


class KindsSchema(ma.Schema):
    """Each kind of news a customer may switch off (`preferences.SWITCHABLE_KINDS`): true
    while it is on."""

    bill_issued = ma.fields.Boolean(
        metadata={"description": "A new bill came from the supplier (amount and due date)."}
    )
    bill_due = ma.fields.Boolean(
        metadata={"description": "Three days before a bill is due, while money is still owed."}
    )


class NotificationPreferencesSchema(ma.Schema):
    channels = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(CHOSEN_CHANNELS)),
        validate=validate.Length(max=len(CHOSEN_CHANNELS)),
        metadata={
            "description": "Where news goes on top of the in-app inbox (the same choice as "
            "`channels` of `/me/subscriptions`)."
        },
    )
    kinds = ma.fields.Nested(
        KindsSchema,
        metadata={"description": "The kinds of news that can be switched off; each on by default."},
    )
