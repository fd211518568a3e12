"""Announcing outages over HTTP, for the outages and notifications tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.testing import FlaskClient

from ekesco_api.areas.models import Area

REASON = {"sq": "Punime në rrjet", "en": "Network works", "sr": "Radovi na mreži"}


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def outage_body(areas: list[Area], starts_at: dt.datetime, hours: int = 4, **extra: Any) -> dict:
    body: dict[str, Any] = {
        "kind": "planned",
        "area_ids": [a.id for a in areas],
        "starts_at": iso(starts_at),
        "ends_at": iso(starts_at + dt.timedelta(hours=hours)),
        "reason": REASON,
    }
    body.update(extra)
    return body


def announce(client: FlaskClient, headers: dict[str, str], body: dict[str, Any]) -> Any:
    """A dispatcher's announcement over HTTP; the outage as the API answers it."""
    response = client.post("/api/v1/staff/outages", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()
