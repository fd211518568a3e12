"""Payment agreements (Art. 16.1a, 25.1): proposed by the customer, in force once the first
installment is paid, broken by a missed one, which starts a new warning; and the sweep that
records what payments and the calendar decided.

Payments are matched to installments as balance.arrangements says: all that reached the supply
point since the agreement was made, in installment order.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.clock import local_date
from ekesco_api.db import after_rollback
from ekesco_api.disconnection import cases, rules
from ekesco_api.disconnection.customer import supply_point_of
from ekesco_api.disconnection.errors import AgreementExists, AgreementNotFound, BillDisputed, NoDebt
from ekesco_api.disconnection.facts import (
    LIVE,
    AgreementPosition,
    agreement_position,
    agreements_of,
    outstanding_debt,
    settle_receipts,
)
from ekesco_api.disconnection.models import DisconnectionNotice, PaymentAgreement
from ekesco_api.payments.arrangement_models import KIND_PAYMENT_AGREEMENT, DueArrangement
from ekesco_api.payments.arrangements import open_arrangement, payments_from


def _view(agreement: PaymentAgreement, position: AgreementPosition) -> dict[str, Any]:
    return {
        "id": agreement.id,
        "status": position.status,
        "created_at": agreement.created_at,
        "total": sum((part.amount for part in position.installments), Decimal("0.00")),
        "due_now": position.standing.due_now,
        "installments": [
            {
                "number": part.number,
                "due_on": part.due_on,
                "amount": part.amount,
                "paid_amount": paid,
                "paid": paid >= part.amount,
            }
            for part, paid in zip(position.installments, position.paid_each, strict=True)
        ],
    }


def _settle(
    session: Session,
    agreement: PaymentAgreement,
    arrangement: DueArrangement,
    position: AgreementPosition,
    now: dt.datetime,
) -> bool:
    """Record the status payments and dates gave the agreement; True when it just broke."""
    if agreement.status == position.status:
        return False
    broke = position.status == "broken" and agreement.status in LIVE
    was_active = agreement.status == "active" or position.activated_at is not None
    agreement.status = position.status
    if position.status in ("completed", "broken"):
        agreement.ended_at = position.ended_at
        arrangement.closed_at = now
    return broke and was_active


def propose(
    session: Session, *, account_id: int, meter_id: int, installments: int, now: dt.datetime
) -> dict[str, Any]:
    """The outstanding debt in `installments` monthly parts, the first due today."""
    point = supply_point_of(session, account_id=account_id, meter_id=meter_id)
    sweep_supply_point(session, point.id, now)
    debt = outstanding_debt(session, point.id)
    if debt <= 0:
        raise after_rollback(session, NoDebt())
    arrangement = DueArrangement(
        supply_point_id=point.id,
        kind=KIND_PAYMENT_AGREEMENT,
        total=debt,
        installments=installments,
        first_due_on=local_date(now),
        counted_from=now,
        created_at=now,
    )
    if not open_arrangement(session, arrangement):
        other = session.scalar(
            select(DueArrangement.kind).where(
                DueArrangement.supply_point_id == point.id, DueArrangement.closed_at.is_(None)
            )
        )
        error = BillDisputed() if other == "disputed_bill" else AgreementExists()
        raise after_rollback(session, error)
    agreement = PaymentAgreement(
        supply_point_id=point.id,
        account_id=account_id,
        arrangement_id=arrangement.id,
        status="proposed",
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(agreement)
            session.flush()
    except IntegrityError:
        raise after_rollback(session, AgreementExists()) from None
    position = agreement_position(agreement, arrangement, [], now)
    session.commit()
    return _view(agreement, position)


def current(session: Session, *, account_id: int, meter_id: int, now: dt.datetime) -> dict:
    """The supply point's latest agreement, where it stands now (reads only)."""
    point = supply_point_of(session, account_id=account_id, meter_id=meter_id)
    found = agreements_of(session, point.id)
    if not found:
        raise AgreementNotFound()
    agreement, arrangement = found[-1]
    paid = payments_from(session, point.id, arrangement.counted_from)
    return _view(agreement, agreement_position(agreement, arrangement, paid, now))


def sweep_supply_point(session: Session, supply_point_id: int, now: dt.datetime) -> int:
    """Record each live agreement's status; a broken one that was in force starts a new
    warning for what is left (Art. 16.1a). The number of warnings started."""
    warned = 0
    for agreement, arrangement in agreements_of(session, supply_point_id, live_locked=True):
        paid = payments_from(session, supply_point_id, arrangement.counted_from)
        position = agreement_position(agreement, arrangement, paid, now)
        if not _settle(session, agreement, arrangement, position, now):
            continue
        case, facts = cases.facts_for_update(session, supply_point_id, now)
        # The warning is dated when it is sent, however long after the break: its 15 days
        # count from then (Art. 15.2), and no event recorded since the break comes after it.
        if rules.check(facts, "agreement_broken", now, now=now) is not None:
            continue  # disconnected already: the agreement no longer counts for reconnection
        left = arrangement.total - position.standing.paid
        cases.record(
            session,
            case=case,
            supply_point_id=supply_point_id,
            facts=facts,
            event="agreement_broken",
            at=now,
            now=now,
            source="app",
            amount_due=left,
        )
        warned += 1
    session.flush()
    return warned


def sweep(session: Session, *, now: dt.datetime) -> dict[str, int]:
    """The periodic work: inbox receipts onto notices, agreements' statuses, broken ones warned.
    Commits per supply point, so one failure leaves the rest done."""
    notices = session.scalars(
        select(DisconnectionNotice).where(
            DisconnectionNotice.received_at.is_(None),
            DisconnectionNotice.notification_id.is_not(None),
        )
    ).all()
    settle_receipts(session, notices)
    session.commit()
    points = session.scalars(
        select(PaymentAgreement.supply_point_id).where(PaymentAgreement.status.in_(LIVE)).distinct()
    ).all()
    warned = 0
    for supply_point_id in points:
        warned += sweep_supply_point(session, supply_point_id, now)
        session.commit()
    return {"agreements": len(points), "warnings": warned}


def describe(done: dict[str, int]) -> str:
    """What a sweep did, as the commands print it."""
    return (
        f"Payment agreements checked on {done['agreements']} customer codes; "
        f"{done['warnings']} new warnings."
    )
