"""Dispatchers' outage actions land in the audit trail with the staff member who did them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ekesco_api.outages import service as outage_service
from ekesco_api.staff.models import AuditEntry
from tests.factories import make_area, make_staff
from tests.support.auth import bearer, staff_login

REASON = {"sq": "Punime në rrjet", "en": "Network works", "sr": "Radovi na mreži"}


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entries(db_session):
    return db_session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("outage_%")).order_by(AuditEntry.id)
    ).all()


def test_announce_reschedule_cancel_are_recorded(client, db_session):
    member = make_staff(db_session, role="dispatcher")
    headers = bearer(staff_login(client, member)["access_token"])
    area = make_area(db_session)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=3)
    response = client.post(
        "/api/v1/staff/outages",
        json={
            "kind": "planned",
            "area_ids": [area.id],
            "starts_at": _iso(start),
            "ends_at": _iso(start + dt.timedelta(hours=4)),
            "reason": REASON,
        },
        headers={**headers, "X-Request-ID": "announce-1"},
    )
    assert response.status_code == 201, response.get_json()
    outage_id = response.get_json()["id"]
    later = start + dt.timedelta(days=1)
    response = client.patch(
        f"/api/v1/staff/outages/{outage_id}",
        json={"starts_at": _iso(later), "ends_at": _iso(later + dt.timedelta(hours=2))},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    response = client.patch(
        f"/api/v1/staff/outages/{outage_id}", json={"status": "cancelled"}, headers=headers
    )
    assert response.status_code == 200, response.get_json()

    announce, reschedule, cancel = _entries(db_session)
    assert (announce.action, announce.staff_id, announce.role) == (
        "outage_announce",
        member.id,
        "dispatcher",
    )
    assert announce.details["outage_id"] == outage_id
    assert announce.request_id == "announce-1"
    assert reschedule.action == "outage_reschedule"
    assert set(reschedule.details["changed"]) >= {"starts_at", "ends_at"}
    assert cancel.action == "outage_cancel"
    assert cancel.details["changed"]["status"]["to"] == "cancelled"


def test_outage_changes_outside_staff_requests_are_not_recorded(db_session):
    area = make_area(db_session)
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    outage_service.create_outage(
        db_session,
        kind="planned",
        area_ids=[area.id],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        reason=REASON,
        staff_id=None,
    )
    assert _entries(db_session) == []
