"""The customer's side: the case of a meter's supply point, an objection, a reconnection."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.bills.models import Bill
from ekesco_api.clock import local_date, period_start
from ekesco_api.db import after_rollback
from ekesco_api.disconnection import cases, rules
from ekesco_api.disconnection import deadlines as d
from ekesco_api.disconnection.errors import (
    BillDisputed,
    BillUnknown,
    DebtOutstanding,
    NoDisconnectionPending,
    NotDisconnected,
    ObjectionOpen,
)
from ekesco_api.disconnection.facts import case_facts, receipts
from ekesco_api.disconnection.fees import fees
from ekesco_api.disconnection.models import DisconnectionCase, Objection
from ekesco_api.disconnection.rules import Facts, Stage
from ekesco_api.meters.errors import MeterNotFound
from ekesco_api.meters.models import Meter, SupplyPoint
from ekesco_api.meters.ownership import owned_meter_ids
from ekesco_api.payments.arrangement_models import KIND_DISPUTED_BILL, DueArrangement
from ekesco_api.payments.arrangements import open_arrangement

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def supply_point_of(session: Session, *, account_id: int, meter_id: int) -> SupplyPoint:
    """The supply point of a meter on the account; 404 for any other meter."""
    point = session.scalars(
        select(SupplyPoint)
        .join(Meter, Meter.supply_point_id == SupplyPoint.id)
        .where(Meter.id == meter_id, Meter.id.in_(owned_meter_ids(account_id)))
    ).one_or_none()
    if point is None:
        raise MeterNotFound()
    return point


def _deadlines(case: DisconnectionCase, facts: Facts, state: str) -> dict[str, Any]:
    deadlines: dict[str, Any] = {}
    stage = Stage(case.stage)
    if stage in rules.BEFORE_DISCONNECTION:
        deadlines["pay_by"] = d.pay_by(case.warned_at)
        if facts.warning_received_at is not None:
            deadlines["objection_by"] = d.objection_by(facts.warning_received_at)
        if stage == Stage.NOTICE_GIVEN and state != "suspended":
            deadlines["earliest_disconnection"] = facts.earliest_disconnection()[0]
    if case.reconnection_due_by is not None:
        deadlines["reconnection_due_by"] = case.reconnection_due_by
    return deadlines


def view_case(session: Session, *, point: SupplyPoint, now: dt.datetime) -> dict[str, Any]:
    """What GET /meters/{id}/disconnection answers (reads only)."""
    answer: dict[str, Any] = {
        "case_id": None,
        "customer_code": point.customer_code,
        "state": "none",
        "reason": None,
        "amount_due": ZERO,
        "undisputed_amount": None,
        "deadlines": {},
        "suspended_by": None,
        "outcome": None,
        "reconnection_reference": None,
        "notices": [],
        "fees": fees(point.category),
        "history": [],
    }
    case = cases.latest_case(session, point.id)
    if case is None:
        return answer
    facts = case_facts(session, case, now=now)
    state = rules.display_state(facts, now)
    found = receipts(session, case.notices)
    open_dispute = next(
        (o for o in case.objections if o.status == "open" and o.bill_id is not None), None
    )
    suspensions = facts.suspensions(now) if state == "suspended" else []
    answer.update(
        case_id=case.id,
        state=state,
        reason=case.reason,
        amount_due=case.amount_due,
        undisputed_amount=open_dispute.undisputed_amount if open_dispute else None,
        deadlines=_deadlines(case, facts, state) if case.closed_at is None else {},
        suspended_by=suspensions[0] if suspensions else None,
        outcome=case.outcome,
        reconnection_reference=case.reconnection_reference,
        notices=[
            {
                "id": notice.id,
                "kind": notice.kind,
                "issued_at": notice.issued_at,
                "delivered_at": found.get(notice.id, (None, None))[0],
                "delivered_by": found.get(notice.id, (None, None))[1],
                "channels": notice.channels,
            }
            for notice in case.notices
        ],
        history=[{"state": e.state, "event": e.kind, "at": e.at} for e in case.events],
    )
    return answer


# --- Art. 19.5: what is due meanwhile on a disputed bill ---------------------------------------


def _months_between(first: str, last: str) -> int:
    a, b = period_start(first), period_start(last)
    return (b.year - a.year) * 12 + b.month - a.month


def undisputed_amount(session: Session, bill: Bill) -> Decimal:
    """Art. 19.5: the average of the undisputed bills of the 6 months before the disputed one
    when supply has run 12 months or more, else of the 3 months before it.

    Art. 19.5 b/c speak of "an agreement in force 12 months or more"; the project reads it as
    the supply contract, and dates that from the supply point's first bill. A bill's own
    charges count (energy, fixed fee, VAT), not the balance it carried over, and never more than
    the disputed bill's own charges; with no earlier bill nothing is due meanwhile.
    """
    first = session.scalar(
        select(func.min(Bill.period)).where(Bill.supply_point_id == bill.supply_point_id)
    )
    window = 6 if first is not None and _months_between(first, bill.period) >= 12 else 3
    disputed = select(Objection.bill_id).where(Objection.bill_id.is_not(None))
    earlier = session.scalars(
        select(Bill).where(
            Bill.supply_point_id == bill.supply_point_id,
            Bill.period < bill.period,
            Bill.id.not_in(disputed),
        )
    ).all()
    recent = [b for b in earlier if _months_between(b.period, bill.period) <= window]
    if not recent:
        return ZERO
    charges = [b.energy_amount + b.fixed_fee + b.vat_amount for b in recent]
    average = (sum(charges, ZERO) / len(charges)).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(average, bill.energy_amount + bill.fixed_fee + bill.vat_amount)


def object_to_case(
    session: Session,
    *,
    account_id: int,
    meter_id: int,
    reason: str,
    bill_id: int | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """A written objection (Art. 19.1): it suspends the case until support decides; against a
    disconnection already carried out it makes reconnection due (Art. 25.2)."""
    point = supply_point_of(session, account_id=account_id, meter_id=meter_id)
    case, facts = cases.facts_for_update(session, point.id, now)
    if case is None or (rules.check(facts, "objection", now, now=now) is not None):
        raise after_rollback(session, NoDisconnectionPending())
    if any(o.status == "open" for o in case.objections):
        raise after_rollback(session, ObjectionOpen())
    objection = Objection(case_id=case.id, account_id=account_id, reason=reason, filed_at=now)
    if bill_id is not None:
        bill = session.get(Bill, bill_id)
        if bill is None or bill.supply_point_id != point.id:
            raise after_rollback(session, BillUnknown())
        amount = undisputed_amount(session, bill)
        arrangement = DueArrangement(
            supply_point_id=point.id,
            kind=KIND_DISPUTED_BILL,
            total=amount,
            installments=1,
            first_due_on=max(bill.due_on, local_date(now)),
            counted_from=now,
            created_at=now,
        )
        if not open_arrangement(session, arrangement):
            raise after_rollback(session, BillDisputed())
        objection.bill_id, objection.undisputed_amount = bill.id, amount
        objection.arrangement_id = arrangement.id
    try:
        with session.begin_nested():
            case.objections.append(objection)
            session.flush()
    except IntegrityError:
        raise after_rollback(session, ObjectionOpen()) from None
    if Stage(case.stage) in rules.CUT_OFF:
        cases.schedule_reconnection(session, case=case, contested=True, now=now)
    filed = rules.ObjectionFact(filed_at=now, disputes_bill=bill_id is not None)
    cases.record(
        session,
        case=case,
        supply_point_id=point.id,
        facts=dataclasses.replace(facts, objections=(*facts.objections, filed)),
        event="objection",
        at=now,
        now=now,
        source="app",
    )
    session.commit()
    return {
        "id": objection.id,
        "status": objection.status,
        "case_id": case.id,
        "undisputed_amount": objection.undisputed_amount,
    }


def _cause_cleared(facts: Facts, now: dt.datetime) -> bool:
    """Paid (Art. 6.2, 25.1), an agreement in force (Art. 25.1), or an objection upheld or
    still open: contested in writing, reconnection is due within 48 hours (Art. 25.2)."""
    if facts.covered_at is not None and facts.covered_at <= now:
        return True
    if any(span.holds(now) for span in facts.agreements):
        return True
    return facts.contested()


def request_reconnection(
    session: Session, *, account_id: int, meter_id: int, now: dt.datetime
) -> tuple[dict[str, Any], bool]:
    """POST /meters/{id}/reconnection: (answer, created)."""
    point = supply_point_of(session, account_id=account_id, meter_id=meter_id)
    case, facts = cases.facts_for_update(session, point.id, now)
    if case is None or Stage(case.stage) not in rules.CUT_OFF:
        raise after_rollback(session, NotDisconnected())
    created = case.reconnection_due_by is None
    if created:
        if not _cause_cleared(facts, now):
            raise after_rollback(session, DebtOutstanding())
        cases.request_reconnection(session, case=case, facts=facts, now=now, source="app")
        session.commit()
    return {
        "reference": case.reconnection_reference,
        "due_by": case.reconnection_due_by,
        "fee": case.reconnection_fee,
        "case_id": case.id,
    }, created
