"""Helpers for the outage tests: an area tree, accounts in it, dispatcher tokens."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token
from sqlalchemy.orm import Session

from ekesco_api.areas.models import Area
from ekesco_api.auth.models import SessionFamily
from ekesco_api.notifications.models import Device, NotificationChannels
from tests.factories import make_account, make_area, make_staff, make_supply_point

REASON = {"sq": "Punime në rrjet", "en": "Network works", "sr": "Radovi na mreži"}


@dataclass
class Tree:
    city: Area
    locality: Area
    north: Area  # a neighbourhood
    south: Area  # another neighbourhood of the same locality
    other_city: Area


def make_tree(session: Session) -> Tree:
    city = make_area(session, name_en="Pristina", name_sr="Priština")
    locality = make_area(session, parent=city)
    north = make_area(session, parent=locality, name_sr="Sever")
    south = make_area(session, parent=locality)
    other = make_area(session)
    return Tree(city, locality, north, south, other)


def account_in(
    session: Session,
    area: Area,
    *,
    language: str = "sq",
    channels: tuple[str, ...] = (),
    devices: tuple[str, ...] = (),
    **overrides: Any,
) -> Any:
    """An active account whose own supply point lies in `area`, with channels and devices."""
    supply_point = make_supply_point(session, area_id=area.id)
    account = make_account(session, supply_point=supply_point, language=language, **overrides)
    if channels:
        session.add(
            NotificationChannels(
                account_id=account.id,
                push="push" in channels,
                sms="sms" in channels,
                email="email" in channels,
            )
        )
    for token in devices:
        session.add(Device(account_id=account.id, platform="android", push_token=token))
    session.flush()
    return account


def dispatcher_headers(session: Session, *, role: str = "dispatcher") -> dict[str, str]:
    """A staff bearer token, minted directly (staff login is another domain's work)."""
    member = make_staff(session, role=role)
    family = SessionFamily(kind="staff", staff_id=member.id, role=role, scope="full")
    session.add(family)
    session.flush()
    token = create_access_token(
        identity=str(member.id),
        additional_claims={"kind": "staff", "role": role, "fam": family.id, "scope": "full"},
    )
    return {"Authorization": f"Bearer {token}"}


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
