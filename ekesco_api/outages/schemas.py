"""Shapes of areas, outages, subscriptions, devices and the inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from marshmallow import validate

from ekesco_api.errors import field_error
from ekesco_api.fields import UtcDateTime
from ekesco_api.i18n import _l, request_language
from ekesco_api.notifications.models import CHOSEN_CHANNELS
from ekesco_api.outages.models import KINDS, STATUS_CANCELLED, STATUSES
from ekesco_api.types import utcnow

MAX_AREAS = 200

# An outage's start or end farther than this from now, either way, is a mistyped year (2062
# for 2026, year 1), not a plan: a planned outage is announced days or weeks ahead, and a
# fault is recorded while it lasts or soon after.
DATE_WINDOW = dt.timedelta(days=366)
TOO_FAR_AHEAD = _l("This date is more than a year ahead. Check the year.")
TOO_FAR_BACK = _l("This date is more than a year in the past. Check the year.")
WINDOW_NOTE = "Within a year of now either way (`date_too_far_ahead`, `date_too_far_back`)."


def _within_a_year(moment: dt.datetime) -> None:
    now = utcnow()
    if moment > now + DATE_WINDOW:
        raise ma.ValidationError(field_error("date_too_far_ahead", TOO_FAR_AHEAD))
    if moment < now - DATE_WINDOW:
        raise ma.ValidationError(field_error("date_too_far_back", TOO_FAR_BACK))


def _outage_time(**kwargs: Any) -> UtcDateTime:
    return UtcDateTime(validate=_within_a_year, metadata={"description": WINDOW_NOTE}, **kwargs)


class ReasonSchema(ma.Schema):
    sq = ma.fields.String(required=True, validate=validate.Length(min=1, max=1000))
    en = ma.fields.String(required=True, validate=validate.Length(min=1, max=1000))
    sr = ma.fields.String(required=True, validate=validate.Length(min=1, max=1000))


class OutageSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": list(KINDS)})
    starts_at = UtcDateTime()
    ends_at = UtcDateTime()
    areas = ma.fields.Method(
        "_areas",
        metadata={
            "type": "array",
            "items": {"type": "object"},
            "description": "The areas named (each covers its children): `{id, level, name}`.",
        },
    )
    reason = ma.fields.Method(
        "_reason",
        metadata={"type": "object", "description": "`{sq, en, sr}`, every language."},
    )
    status = ma.fields.Method(
        "_status",
        metadata={"type": "string", "enum": list(STATUSES)},
    )
    sequence = ma.fields.Integer(
        metadata={"description": "How many times it was changed (iCalendar SEQUENCE)."}
    )
    updated_at = UtcDateTime()

    def _areas(self, outage: Any) -> list[dict[str, Any]]:

        code = request_language()
        return [{"id": a.id, "level": a.level, "name": a.name_in(code)} for a in outage.areas]

    def _reason(self, outage: Any) -> dict[str, str]:
        return dict(outage.reason())

    def _status(self, outage: Any) -> str:
        return str(outage.effective_status(utcnow()))


class OutageQuerySchema(ma.Schema):
    area_id = ma.fields.Integer(
        metadata={"description": "Outages touching this area: above it (they cover it) or below."}
    )
    from_ = UtcDateTime(
        data_key="from",
        metadata={"description": "Outages still running after this instant (ISO 8601)."},
    )
    to = UtcDateTime(metadata={"description": "Outages starting before this instant (ISO 8601)."})
    status = ma.fields.String(validate=validate.OneOf(STATUSES))


class CalendarQuerySchema(ma.Schema):
    area_id = ma.fields.Integer()


class OutageCreateSchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=validate.OneOf(KINDS))
    area_ids = ma.fields.List(
        ma.fields.Integer(strict=True),
        required=True,
        validate=validate.Length(min=1, max=MAX_AREAS),
    )
    starts_at = _outage_time(required=True)
    ends_at = _outage_time(required=True)
    reason = ma.fields.Nested(ReasonSchema, required=True)


class OutageChangeSchema(ma.Schema):
    """Reschedule (`starts_at`, `ends_at`), reword (`reason`) or cancel (`status: cancelled`)."""

    starts_at = _outage_time()
    ends_at = _outage_time()
    reason = ma.fields.Nested(ReasonSchema)
    status = ma.fields.String(
        validate=validate.OneOf([STATUS_CANCELLED]),
        metadata={"description": "Only `cancelled`: cancels the outage."},
    )

    @ma.validates_schema
    def _one_thing(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data:
            raise ma.ValidationError(
                [field_error("validation_error", _l("Nothing to change."))], "_schema"
            )
        if "status" in data and len(data) > 1:
            raise ma.ValidationError(
                [field_error("validation_error", _l("Cancel on its own, without other changes."))],
                "status",
            )


class SubscriptionsSchema(ma.Schema):
    area_ids = ma.fields.List(
        ma.fields.Integer(strict=True), required=True, validate=validate.Length(max=MAX_AREAS)
    )
    channels = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(CHOSEN_CHANNELS)),
        required=True,
        metadata={"description": "On top of the in-app inbox, which every account gets."},
    )
    meter_area_ids = ma.fields.List(
        ma.fields.Integer(),
        dump_only=True,
        metadata={"description": "The areas of the account's meters, followed without asking."},
    )
