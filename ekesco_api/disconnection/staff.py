"""Support's side: medical certificates, objections decided, receipts confirmed; each audited
(staff.audit) and committed with its audit entry. And the lists support works from."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.clock import local_date
from ekesco_api.disconnection import cases, rules
from ekesco_api.disconnection import deadlines as d
from ekesco_api.disconnection.errors import (
    CaseNotFound,
    CaseNotPending,
    MedicalCertificateRecorded,
    NoticeNotFound,
    NoticeReceived,
    ObjectionClosed,
    ObjectionNotFound,
    ReceivedBeforeSent,
)
from ekesco_api.disconnection.facts import LIVE, agreement_position, case_facts
from ekesco_api.disconnection.models import (
    DisconnectionCase,
    DisconnectionNotice,
    MedicalCertificate,
    Objection,
    PaymentAgreement,
    RefusedEvent,
)
from ekesco_api.disconnection.notices import KIND_DECISION, send_notice
from ekesco_api.disconnection.rules import Span, Stage
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.notifications.models import Notification
from ekesco_api.payments.arrangement_models import DueArrangement
from ekesco_api.payments.arrangements import paid_from, payments_to
from ekesco_api.staff.audit import Actor, Record, audited

ACTION_MEDICAL = "disconnection_medical_certificate"
ACTION_DECIDE = "disconnection_objection_decide"
ACTION_RECEIPT = "disconnection_notice_receipt"


def _record_for(session: Session, record: Record, case: DisconnectionCase) -> None:
    point = session.get(SupplyPoint, case.supply_point_id)
    record.customer_code = point.customer_code if point else None
    record.details["case_id"] = case.id


def record_medical_certificate(
    session: Session, *, actor: Actor, case_id: int, issued_on: dt.date, now: dt.datetime
) -> dict[str, Any]:
    """Art. 20.1: postpone the disconnection by 10 calendar days from the date it was due (or
    from today when later or not set yet); once per case, so never by more than 10 days."""
    with audited(session, actor=actor, action=ACTION_MEDICAL) as record:
        record.details["issued_on"] = issued_on.isoformat()
        case = cases.lock_case(session, case_id)
        if case is None:
            raise CaseNotFound()
        _record_for(session, record, case)
        facts = case_facts(session, case, now=now)
        if rules.check(facts, "medical_certificate", now, now=now) is not None:
            raise CaseNotPending()
        if case.medical_certificate is not None:
            raise MedicalCertificateRecorded()
        earliest = facts.earliest_disconnection()[0]
        base = max(local_date(earliest), local_date(now)) if earliest else local_date(now)
        until = d.medical_postponement_until(base)
        certificate = MedicalCertificate(
            issued_on=issued_on,
            recorded_at=now,
            recorded_by=actor.staff_id,
            postponed_until=until,
        )
        case.medical_certificate = certificate
        cases.record(
            session,
            case=case,
            supply_point_id=case.supply_point_id,
            facts=dataclasses.replace(facts, medical=Span(now, until)),
            event="medical_certificate",
            at=now,
            now=now,
            source="staff",
            staff_id=actor.staff_id,
        )
        record.details["postponed_until"] = until.isoformat()
    return {"case_id": case.id, "issued_on": issued_on, "postponed_until": until}


def decide_objection(
    session: Session,
    *,
    actor: Actor,
    objection_id: int,
    decision: str,
    note: str,
    now: dt.datetime,
) -> dict[str, Any]:
    """Upheld ends the case (or, once disconnected, makes reconnection due); rejected resumes
    it, no disconnection sooner than 3 days after the decision is received. The customer is
    told in a notice of their own (a disconnected customer is reconnected either way)."""
    with audited(session, actor=actor, action=ACTION_DECIDE) as record:
        record.reason = note
        record.details.update(objection_id=objection_id, decision=decision)
        case_id = session.scalar(select(Objection.case_id).where(Objection.id == objection_id))
        case = cases.lock_case(session, case_id) if case_id is not None else None
        objection = session.get(Objection, objection_id)
        if case is None or objection is None:
            raise ObjectionNotFound()
        _record_for(session, record, case)
        record.account_id = objection.account_id
        if objection.status != "open":
            raise ObjectionClosed()
        facts = case_facts(session, case, now=now)
        objection.status, objection.decided_at = decision, now
        objection.decided_by, objection.note = actor.staff_id, note
        if objection.arrangement_id is not None:
            arrangement = session.get(DueArrangement, objection.arrangement_id)
            if arrangement is not None:
                arrangement.closed_at = now
        if decision == "upheld" and Stage(case.stage) in rules.CUT_OFF:
            cases.schedule_reconnection(session, case=case, contested=True, now=now)
        decided = tuple(
            dataclasses.replace(o, decided_at=now, upheld=decision == "upheld")
            if o.decided_at is None
            else o
            for o in facts.objections
        )
        cases.record(
            session,
            case=case,
            supply_point_id=case.supply_point_id,
            facts=dataclasses.replace(facts, objections=decided),
            event=f"objection_{decision}",
            at=now,
            now=now,
            source="staff",
            staff_id=actor.staff_id,
        )
        objection.decision_notice = send_notice(
            session, case=case, kind=KIND_DECISION, now=now, objection=objection
        )
    return objection_view(objection, case)


def objection_view(objection: Objection, case: DisconnectionCase) -> dict[str, Any]:
    return {
        "id": objection.id,
        "case_id": objection.case_id,
        "status": objection.status,
        "reason": objection.reason,
        "bill_id": objection.bill_id,
        "undisputed_amount": objection.undisputed_amount,
        "filed_at": objection.filed_at,
        "decided_at": objection.decided_at,
        "note": objection.note,
        "case_state": case.stage if case.closed_at is None else "none",
    }


def confirm_receipt(
    session: Session,
    *,
    actor: Actor,
    notice_id: int,
    received_by: str,
    received_at: dt.datetime | None,
    now: dt.datetime,
) -> DisconnectionNotice:
    """Art. 18.2: staff reached the customer (phone, e-mail, visit) and the notice counts as
    received from then."""
    with audited(session, actor=actor, action=ACTION_RECEIPT) as record:
        record.details.update(notice_id=notice_id, received_by=received_by)
        notice = session.get(DisconnectionNotice, notice_id)
        if notice is None:
            raise NoticeNotFound()
        case = cases.lock_case(session, notice.case_id)
        assert case is not None
        _record_for(session, record, case)
        record.account_id = notice.account_id
        read = None
        if notice.notification_id is not None:
            read = session.scalar(
                select(Notification.read_at).where(Notification.id == notice.notification_id)
            )
        if notice.received_at is not None or read is not None:
            raise NoticeReceived()
        received_at = min(received_at or now, now)
        if received_at < notice.issued_at:
            # It would start the time to object, or the 3 days before a disconnection, early.
            raise ReceivedBeforeSent()
        notice.received_at = received_at
        notice.received_by = received_by
        notice.confirmed_by_staff_id = actor.staff_id
    return notice


# --- lists ------------------------------------------------------------------------------------


def agreement_suspended(session: Session, now: dt.datetime) -> list[int]:
    """The open cases before disconnection that a payment agreement in force suspends at
    `now` (Art. 25.1): only codes with a live agreement, judged as the customer's case is
    (`facts.agreement_position`), their payments read in two statements."""
    rows = session.execute(
        select(DisconnectionCase.id, PaymentAgreement, DueArrangement)
        .join(
            PaymentAgreement, PaymentAgreement.supply_point_id == DisconnectionCase.supply_point_id
        )
        .join(DueArrangement, DueArrangement.id == PaymentAgreement.arrangement_id)
        .where(
            DisconnectionCase.closed_at.is_(None),
            DisconnectionCase.stage.in_(rules.BEFORE_DISCONNECTION),
            PaymentAgreement.status.in_(LIVE),
        )
    ).all()
    paid = payments_to(session, {a.supply_point_id: arr.counted_from for _id, a, arr in rows})
    found = []
    for case_id, agreement, arrangement in rows:
        position = agreement_position(agreement, arrangement, paid[agreement.supply_point_id], now)
        if position.span is not None and position.span.holds(now):
            found.append(case_id)
    return found


def suspended(now: dt.datetime, by_agreement: list[int]) -> ColumnElement[bool]:
    """`rules.Facts.suspensions` as SQL on a case's row, for the list's filter and states: what
    a case before disconnection waits on, each found through an index of its own (the open
    cases only, never the supply points)."""
    case_ = DisconnectionCase
    covered = func.round(paid_from(case_.supply_point_id, case_.warned_at), 2) >= case_.amount_due
    objection = exists().where(
        Objection.case_id == case_.id, Objection.status == "open", Objection.filed_at <= now
    )
    medical = exists().where(
        MedicalCertificate.case_id == case_.id,
        MedicalCertificate.recorded_at <= now,
        MedicalCertificate.postponed_until > now,
    )
    return and_(
        case_.stage.in_(rules.BEFORE_DISCONNECTION),
        or_(case_.id.in_(by_agreement), objection, medical, covered),
    )


def cases_query(
    *, state: str | None, overdue: bool, now: dt.datetime, by_agreement: list[int]
) -> Select[*tuple[Any, ...]]:
    """Cases with whether they are suspended, reconnections past due first (oldest deadline
    first), then the newest. `state` is the customer's (`suspended` included)."""
    late = and_(
        DisconnectionCase.stage == Stage.RECONNECTION_DUE.value,
        DisconnectionCase.reconnection_due_by < now,
    )
    waiting = suspended(now, by_agreement)
    query = select(DisconnectionCase, waiting.label("suspended"))
    if state == "suspended":
        query = query.where(waiting)
    elif state == "none":
        query = query.where(DisconnectionCase.stage == Stage.ENDED.value)
    elif state is not None:
        query = query.where(DisconnectionCase.stage == state)
        if state in rules.BEFORE_DISCONNECTION:
            query = query.where(~waiting)
    if overdue:
        query = query.where(late)
    return query.order_by(
        case((late, 0), else_=1),
        DisconnectionCase.reconnection_due_by.asc().nulls_last(),
        DisconnectionCase.id.desc(),
    )


def case_rows(session: Session, found: list[Any], now: dt.datetime) -> list[dict]:
    """The list's rows from (case, suspended) pairs."""
    points = {
        p.id: p
        for p in session.scalars(
            select(SupplyPoint).where(SupplyPoint.id.in_({c.supply_point_id for c, _ in found}))
        )
    }
    open_objections = {
        o.case_id: o.id
        for o in session.scalars(
            select(Objection).where(
                Objection.case_id.in_([c.id for c, _ in found]), Objection.status == "open"
            )
        )
    }
    rows = []
    for item, waiting in found:
        point = points[item.supply_point_id]
        state = "none" if item.stage == Stage.ENDED.value else item.stage
        rows.append(
            {
                "id": item.id,
                "customer_code": point.customer_code,
                "holder_name": point.holder_name,
                "state": "suspended" if waiting else state,
                "reason": item.reason,
                "amount_due": item.amount_due,
                "warned_at": item.warned_at,
                "scheduled_for": item.scheduled_for,
                "disconnected_at": item.disconnected_at,
                "reconnection_due_by": item.reconnection_due_by,
                "reconnection_reference": item.reconnection_reference,
                "overdue": item.stage == Stage.RECONNECTION_DUE.value
                and item.reconnection_due_by is not None
                and item.reconnection_due_by < now,
                "open_objection_id": open_objections.get(item.id),
                "outcome": item.outcome,
            }
        )
    return rows


def unconfirmed_notices_query(now: dt.datetime) -> Select[*tuple[Any, ...]]:
    """Notices not shown received by the end of the 2nd working day (Art. 18.2): to phone."""
    return (
        select(
            DisconnectionNotice.id,
            DisconnectionNotice.case_id,
            DisconnectionNotice.kind,
            DisconnectionNotice.issued_at,
            DisconnectionNotice.confirm_by,
            SupplyPoint.customer_code,
            SupplyPoint.first_name,
            SupplyPoint.last_name,
            Account.phone,
            Account.email,
        )
        .join(DisconnectionCase, DisconnectionCase.id == DisconnectionNotice.case_id)
        .join(SupplyPoint, SupplyPoint.id == DisconnectionCase.supply_point_id)
        .outerjoin(Account, Account.id == DisconnectionNotice.account_id)
        .outerjoin(Notification, Notification.id == DisconnectionNotice.notification_id)
        .where(
            DisconnectionNotice.received_at.is_(None),
            or_(Notification.id.is_(None), Notification.read_at.is_(None)),
            DisconnectionNotice.confirm_by < now,
        )
        .order_by(DisconnectionNotice.confirm_by, DisconnectionNotice.id)
    )


def refused_events_query() -> Select[Any]:
    return (
        select(RefusedEvent)
        .where(RefusedEvent.applied_at.is_(None))
        .order_by(RefusedEvent.refused_at.desc(), RefusedEvent.id.desc())
    )
