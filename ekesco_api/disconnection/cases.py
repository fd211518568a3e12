"""The write side of a case: find it (locked), move it by an allowed event, record the event.

Every change of a case, from the import or from the app, goes through `record`: the stage
follows `rules.TRANSITIONS`, the event joins the history with the state it left the case in,
and a new warning or disconnection notice goes out to the customer (Art. 15, 16). The caller
has checked the event with `rules.check` on facts read under the case's row lock, and commits.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ekesco_api.clock import local_date
from ekesco_api.disconnection import deadlines as d
from ekesco_api.disconnection import rules
from ekesco_api.disconnection.facts import case_facts
from ekesco_api.disconnection.fees import fees
from ekesco_api.disconnection.models import DisconnectionCase, DisconnectionEvent
from ekesco_api.disconnection.notices import KIND_DISCONNECTION, KIND_WARNING, send_notice
from ekesco_api.disconnection.rules import Facts, Stage
from ekesco_api.meters.models import SupplyPoint

_LOADED = (
    selectinload(DisconnectionCase.notices),
    selectinload(DisconnectionCase.objections),
    selectinload(DisconnectionCase.medical_certificate),
)
# How a case ends, by the event that ends it.
OUTCOMES = {
    "withdrawn": "withdrawn",
    "objection_upheld": "objection_upheld",
    "reconnected": "reconnected",
}


def open_case(
    session: Session, supply_point_id: int, *, lock: bool = False
) -> DisconnectionCase | None:
    """The supply point's open case, its row locked for the transaction when `lock`."""
    statement = select(DisconnectionCase).where(
        DisconnectionCase.supply_point_id == supply_point_id,
        DisconnectionCase.closed_at.is_(None),
    )
    if lock:
        statement = statement.with_for_update()
    return session.scalars(statement.options(*_LOADED)).one_or_none()


def latest_case(session: Session, supply_point_id: int) -> DisconnectionCase | None:
    """The open case, or else the last one that closed."""
    return session.scalars(
        select(DisconnectionCase)
        .where(DisconnectionCase.supply_point_id == supply_point_id)
        .order_by(DisconnectionCase.closed_at.is_not(None), DisconnectionCase.id.desc())
        .limit(1)
        .options(*_LOADED)
    ).first()


def lock_case(session: Session, case_id: int) -> DisconnectionCase | None:
    return session.scalars(
        select(DisconnectionCase)
        .where(DisconnectionCase.id == case_id)
        .with_for_update()
        .options(*_LOADED)
    ).one_or_none()


def record(
    session: Session,
    *,
    case: DisconnectionCase | None,
    supply_point_id: int,
    facts: Facts,
    event: str,
    at: dt.datetime,
    now: dt.datetime,
    source: str,
    event_id: str | None = None,
    amount_due: Decimal | None = None,
    scheduled_for: dt.date | None = None,
    staff_id: int | None = None,
) -> DisconnectionCase:
    """Apply an allowed event to the case (a new one for a first warning) and record it."""
    after = rules.apply(facts, event, at, scheduled_for=scheduled_for)
    assert after.stage is not None
    if case is None:
        assert amount_due is not None
        case = DisconnectionCase(
            supply_point_id=supply_point_id,
            stage=after.stage.value,
            reason="installment_missed" if event == "agreement_broken" else "non_payment",
            amount_due=amount_due,
            warned_at=at,
            last_event_at=at,
            opened_at=now,
        )
        session.add(case)
    elif event == "agreement_broken":
        assert amount_due is not None
        case.reason, case.amount_due, case.warned_at = "installment_missed", amount_due, at
        case.notice_at = case.scheduled_for = None
    case.stage = after.stage.value
    if source == "cis":
        # The CIS's events come in its own order; the app's are stamped as they happen.
        case.last_event_at = max(case.last_event_at, at)
    if event == "notice":
        case.notice_at, case.scheduled_for = at, scheduled_for
    elif event == "disconnected":
        case.disconnected_at = at
    elif event == "reconnected":
        case.reconnected_at = at
    if event in OUTCOMES and after.stage in (Stage.ENDED, Stage.RECONNECTED):
        case.outcome, case.closed_at = OUTCOMES[event], now
    case.events.append(
        DisconnectionEvent(
            event_id=event_id,
            kind=event,
            state=rules.display_state(after, at),
            at=at,
            source=source,
            amount_due=amount_due,
            scheduled_for=scheduled_for,
            staff_id=staff_id,
            recorded_at=now,
        )
    )
    sent_at = max(now, at)
    if event in ("warning", "agreement_broken"):
        send_notice(session, case=case, kind=KIND_WARNING, now=sent_at)
    elif event == "notice":
        send_notice(session, case=case, kind=KIND_DISCONNECTION, now=sent_at)
    session.flush()
    return case


def reference_of(case: DisconnectionCase, now: dt.datetime) -> str:
    """A reconnection's reference: one per case, so the case's id makes it unique."""
    return f"RC-{local_date(now).year}-{case.id:06d}"


def schedule_reconnection(
    session: Session, *, case: DisconnectionCase, contested: bool, now: dt.datetime
) -> None:
    """Reconnection is due: 24 hours from now, or 48 hours from the disconnection when the
    customer contested it in writing (Art. 25.2), whichever comes first. A case already due
    keeps its first deadline and reference."""
    assert case.disconnected_at is not None
    if case.reconnection_due_by is not None:
        return
    point = session.get(SupplyPoint, case.supply_point_id)
    assert point is not None
    case.reconnection_requested_at = now
    case.reconnection_due_by = d.reconnection_due_by(
        now, disconnected_at=case.disconnected_at, contested=contested
    )
    case.reconnection_fee = fees(point.category)["reconnection"]
    session.flush()
    case.reconnection_reference = reference_of(case, now)


def request_reconnection(
    session: Session, *, case: DisconnectionCase, facts: Facts, now: dt.datetime, source: str
) -> DisconnectionCase:
    """Schedule the reconnection of a disconnected case and move it to `reconnection_due`."""
    schedule_reconnection(session, case=case, contested=facts.contested(), now=now)
    if Stage(case.stage) == Stage.DISCONNECTED:
        record(
            session,
            case=case,
            supply_point_id=case.supply_point_id,
            facts=facts,
            event="reconnection_requested",
            at=now,
            now=now,
            source=source,
        )
    return case


def facts_for_update(
    session: Session, supply_point_id: int, now: dt.datetime
) -> tuple[DisconnectionCase | None, Facts]:
    """The open case locked, with its facts: what a use case checks an event against."""
    case = open_case(session, supply_point_id, lock=True)
    return case, case_facts(session, case, now=now, supply_point_id=supply_point_id)
