"""What /me/devices and /me/notifications read and answer."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from ekesco_api.fields import UtcDateTime
from ekesco_api.notifications.models import PLATFORMS


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
