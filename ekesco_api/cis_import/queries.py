"""Questions asked of the imported data: when it last synced, which area an address is under."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.areas.models import Area
from ekesco_api.cis_import.areas import address_path, path_key
from ekesco_api.cis_import.models import ImportRun


def last_synced_at(session: Session) -> dt.datetime | None:
    """When the latest finished import ended: the `last_synced_at` balances show."""
    return session.scalar(
        select(ImportRun.finished_at)
        .where(ImportRun.finished_at.is_not(None))
        .order_by(ImportRun.finished_at.desc())
        .limit(1)
    )


def area_for(session: Session, city: str, locality: str, neighbourhood: str = "") -> Area | None:
    """The area node of an address, found the way the import files it."""
    key = path_key(address_path(city, locality, neighbourhood))
    return session.scalar(select(Area).where(Area.path_key == key))
