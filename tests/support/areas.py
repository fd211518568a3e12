"""An area tree and accounts living in it, for the areas, outages and notifications tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ekesco_api.areas.models import Area
from ekesco_api.notifications.models import Device, NotificationChannels
from tests.factories import make_account, make_area, make_supply_point


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
