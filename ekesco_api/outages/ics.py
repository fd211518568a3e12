"""The outages as an iCalendar feed, for calendar apps and home dashboards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from icalendar import Calendar, Event

from ekesco_api.i18n import _, language
from ekesco_api.outages.models import STATUS_CANCELLED, Outage

UID_DOMAIN = "outages.ekesco.api"


def outage_uid(outage_id: int) -> str:
    """The same UID for an outage's whole life, so a reschedule updates the event in place."""
    return f"outage-{outage_id}@{UID_DOMAIN}"


def calendar(outages: Iterable[Outage], *, code: str, now: dt.datetime) -> bytes:
    """A VCALENDAR with one VEVENT per outage, texts in `code`, SEQUENCE counting changes."""
    cal = Calendar()
    cal.add("prodid", "-//KESCO//eKesco outages//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    with language(code):
        cal.add("x-wr-calname", _("Power outages"))
        for outage in outages:
            event = Event()
            event.add("uid", outage_uid(outage.id))
            event.add("dtstamp", now)
            event.add("last-modified", outage.updated_at)
            event.add("created", outage.created_at)
            event.add("dtstart", outage.starts_at)
            event.add("dtend", outage.ends_at)
            event.add("sequence", outage.sequence)
            planned = outage.kind == "planned"
            event.add("summary", _("Planned power outage") if planned else _("Power outage"))
            event.add("description", outage.reason()[code])
            event.add("location", ", ".join(a.name_in(code) for a in outage.areas))
            cancelled = outage.status == STATUS_CANCELLED
            event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
            event.add("transp", "TRANSPARENT")
            cal.add_component(event)
    return bytes(cal.to_ical())
