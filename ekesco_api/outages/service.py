"""Use cases: areas, announcing and changing outages, finding them, subscriptions, inbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, or_, select
from sqlalchemy.orm import Session, selectinload

from ekesco_api.accounts.models import Account
from ekesco_api.areas import service as area_service
from ekesco_api.areas.models import Area
from ekesco_api.notifications import preferences
from ekesco_api.outages import fanout
from ekesco_api.outages.errors import (
    AreaUnknown,
    EndsBeforeStart,
    NoticeTooShort,
    OutageClosed,
    OutageNotFound,
)
from ekesco_api.outages.models import (
    STATUS_CANCELLED,
    STATUS_COMPLETED,
    STATUS_RESCHEDULED,
    STATUS_SCHEDULED,
    AreaSubscription,
    Outage,
    OutageArea,
)
from ekesco_api.types import utcnow

NOTICE = dt.timedelta(hours=24)
# How far back the calendar feed reaches, so a finished outage does not vanish at once.
FEED_HISTORY = dt.timedelta(days=90)


def _check_areas(session: Session, area_ids: Sequence[int]) -> list[int]:
    wanted = sorted(set(area_ids))
    found = set(session.scalars(select(Area.id).where(Area.id.in_(wanted))))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise AreaUnknown(errors={"area_ids": [f"{AreaUnknown.title} {missing}"]})
    return wanted


# ---------------------------------------------------------------------------------- rules


def check_notice(*, kind: str, starts_at: dt.datetime, now: dt.datetime) -> None:
    """A planned outage starts at least 24 hours after now, counted on local clocks.

    "Judged in local time": the wall-clock start in Europe/Belgrade must be at least 24 hours
    past the wall-clock now, so on the day clocks go forward 10:00 → 10:00 next day is enough
    (23 real hours) and on the day they go back it takes 25 real hours.
    """
    if kind != "planned":
        return
    wall_start = fanout.local(starts_at).replace(tzinfo=None)
    wall_now = fanout.local(now).replace(tzinfo=None)
    if wall_start - wall_now < NOTICE:
        raise NoticeTooShort(errors={"starts_at": [str(NoticeTooShort.title)]})


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise EndsBeforeStart(errors={"ends_at": [str(EndsBeforeStart.title)]})


# --------------------------------------------------------------------- dispatchers' changes


def create_outage(
    session: Session,
    *,
    kind: str,
    area_ids: Sequence[int],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: dict[str, str],
    staff_id: int | None,
    now: dt.datetime | None = None,
) -> Outage:
    """Announce an outage and notify everyone it concerns, in one transaction."""
    now = now or utcnow()
    _check_times(starts_at, ends_at)
    check_notice(kind=kind, starts_at=starts_at, now=now)
    ids = _check_areas(session, area_ids)
    outage = Outage(
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        reason_sq=reason["sq"],
        reason_en=reason["en"],
        reason_sr=reason["sr"],
        status=STATUS_SCHEDULED,
        sequence=0,
        created_by=staff_id,
        created_at=now,
        updated_at=now,
    )
    session.add(outage)
    session.flush()
    session.add_all(OutageArea(outage_id=outage.id, area_id=i) for i in ids)
    session.flush()
    session.refresh(outage, ["areas"])
    fanout.fan_out(session, outage=outage, kind=fanout.KIND_ANNOUNCED, now=now)
    session.commit()
    return outage


def change_outage(
    session: Session,
    *,
    outage_id: int,
    changes: dict[str, Any],
    now: dt.datetime | None = None,
) -> Outage:
    """Reschedule (new `starts_at`/`ends_at`), reword (`reason`) or cancel (`status`).

    A cancelled or finished outage stays as it is (409). Moving a planned outage's start needs
    the same 24 hours' notice as announcing it. Rescheduling and cancelling notify the same
    people the announcement reached (and anyone who has started following the area since).
    """
    now = now or utcnow()
    outage = session.scalars(
        select(Outage).where(Outage.id == outage_id).with_for_update()
    ).one_or_none()
    if outage is None:
        raise OutageNotFound()
    if outage.effective_status(now) in (STATUS_CANCELLED, STATUS_COMPLETED):
        raise OutageClosed()
    previous_start = outage.starts_at
    if changes.get("status") == STATUS_CANCELLED:
        outage.status = STATUS_CANCELLED
        outage.sequence += 1
        outage.updated_at = now
        fanout.fan_out(
            session,
            outage=outage,
            kind=fanout.KIND_CANCELLED,
            now=now,
            previous_start=previous_start,
        )
        session.commit()
        return outage
    starts_at = changes.get("starts_at", outage.starts_at)
    ends_at = changes.get("ends_at", outage.ends_at)
    _check_times(starts_at, ends_at)
    moved = starts_at != outage.starts_at or ends_at != outage.ends_at
    if starts_at != outage.starts_at:
        check_notice(kind=outage.kind, starts_at=starts_at, now=now)
    if "reason" in changes:
        outage.reason_sq = changes["reason"]["sq"]
        outage.reason_en = changes["reason"]["en"]
        outage.reason_sr = changes["reason"]["sr"]
    if moved or "reason" in changes:
        outage.sequence += 1
        outage.updated_at = now
    if moved:
        outage.starts_at, outage.ends_at = starts_at, ends_at
        outage.status = STATUS_RESCHEDULED
        fanout.fan_out(session, outage=outage, kind=fanout.KIND_RESCHEDULED, now=now)
    session.commit()
    return outage


# ----------------------------------------------------------------------------------- finding


def _status_filter(status: str | None, now: dt.datetime) -> ColumnElement[bool]:
    finished = and_(Outage.status != STATUS_CANCELLED, Outage.ends_at <= now)
    if status == STATUS_COMPLETED:
        return or_(finished, Outage.status == STATUS_COMPLETED)
    if status is None:
        return Outage.ends_at > now
    return and_(Outage.status == status, Outage.ends_at > now)


def _touching(area_ids: Iterable[int]) -> ColumnElement[bool]:
    return Outage.id.in_(select(OutageArea.outage_id).where(OutageArea.area_id.in_(area_ids)))


def find_outages(
    session: Session,
    *,
    area_id: int | None = None,
    area_ids: Iterable[int] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    status: str | None = None,
    now: dt.datetime | None = None,
) -> Select[Any]:
    """Outages by area (an area's outages include those above and below it), time and status.

    Without a status or a time range: those not over yet. `status=completed` is the history.
    With `from`/`to`, every outage overlapping that window, past or future.
    """
    now = now or utcnow()
    query = select(Outage).options(selectinload(Outage.areas))
    if status is not None or (start is None and end is None):
        query = query.where(_status_filter(status, now))
    if start is not None:
        query = query.where(Outage.ends_at > start)
    if end is not None:
        query = query.where(Outage.starts_at < end)
    if area_id is not None:
        query = query.where(_touching(area_service.related_areas(session, area_id)))
    if area_ids is not None:
        query = query.where(_touching(area_ids))
    if status == STATUS_COMPLETED:
        return query.order_by(Outage.starts_at.desc(), Outage.id.desc())
    return query.order_by(Outage.starts_at, Outage.id)


def account_area_ids(session: Session, account_id: int) -> set[int]:
    """The areas whose outages concern an account: its meters' (and above) and those it follows."""
    own = fanout.meter_area_ids(session, account_id)
    followed = set(
        session.scalars(
            select(AreaSubscription.area_id).where(AreaSubscription.account_id == account_id)
        )
    )
    found = area_service.ancestors_and_self(session, own)
    for area in followed:
        found |= area_service.related_areas(session, area)
    return found


def feed_outages(session: Session, *, area_id: int | None, now: dt.datetime) -> list[Outage]:
    """What the calendar feed shows: everything not long over, cancelled ones included."""
    query = find_outages(session, area_id=area_id, start=now - FEED_HISTORY, now=now)
    return list(session.scalars(query))


# ------------------------------------------------------------------------------ subscriptions


def get_subscriptions(session: Session, *, account_id: int) -> dict[str, Any]:
    area_ids = list(
        session.scalars(
            select(AreaSubscription.area_id)
            .where(AreaSubscription.account_id == account_id)
            .order_by(AreaSubscription.area_id)
        )
    )
    meter_areas = sorted(fanout.meter_area_ids(session, account_id))
    return {
        "area_ids": area_ids,
        "channels": preferences.channels_of(session, account_id=account_id),
        "meter_area_ids": meter_areas,
    }


def put_subscriptions(
    session: Session, *, account_id: int, area_ids: Sequence[int], channels: Sequence[str]
) -> dict[str, Any]:
    """Replace the followed areas and the channels (the inbox needs no choosing)."""
    # Lock the account row: two parallel replacements would both insert the same rows.
    session.execute(select(Account.id).where(Account.id == account_id).with_for_update())
    ids = _check_areas(session, area_ids)
    session.execute(delete(AreaSubscription).where(AreaSubscription.account_id == account_id))
    session.add_all(AreaSubscription(account_id=account_id, area_id=i) for i in ids)
    preferences.choose_channels(session, account_id=account_id, channels=channels)
    session.commit()
    return get_subscriptions(session, account_id=account_id)
