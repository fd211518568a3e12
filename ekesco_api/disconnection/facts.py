"""A case's facts read from the database for the rule (`rules.Facts`), and the payments and
agreements they weigh.

Payments count towards a case from its warning on and towards an agreement from its making on
(see balance.arrangements for the matching): imported ones by `paid_at`, app ones the CIS has
not confirmed yet by the bank's confirmation. Each is an (instant, amount) pair, so the rule
can tell when a debt was first covered, not only that it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.bills.models import Bill
from ekesco_api.bills.service import NEWEST_FIRST
from ekesco_api.clock import local_date
from ekesco_api.disconnection import deadlines as d
from ekesco_api.disconnection.models import DisconnectionCase, DisconnectionNotice, PaymentAgreement
from ekesco_api.disconnection.rules import Facts, ObjectionFact, Span, Stage
from ekesco_api.notifications.models import Notification
from ekesco_api.payments.arrangement_models import DueArrangement
from ekesco_api.payments.arrangements import (
    Installment,
    Standing,
    payments_from,
    schedule,
    standing,
)
from ekesco_api.payments.ledger import paid_since

ZERO = Decimal("0.00")
LIVE = ("proposed", "active")  # an agreement that may still suspend a case
Paid = tuple[dt.datetime, Decimal]


def outstanding_debt(session: Session, supply_point_id: int) -> Decimal:
    """What the code owes: its latest bill less what was paid since, never below zero.

    The balance's own rule (balance.service), asked here of one code: this package may not
    import balance, which reads the import's runs while the import loads our events.
    """
    latest = session.scalars(
        select(Bill).where(Bill.supply_point_id == supply_point_id).order_by(*NEWEST_FIRST)
    ).first()
    if latest is None:
        return ZERO
    paid = paid_since(session, supply_point_id=supply_point_id, since=latest.issued_on)
    return max(latest.total - paid.total, ZERO).quantize(Decimal("0.01"))


def covered_at(payments: Iterable[Paid], amount: Decimal) -> dt.datetime | None:
    """When the running total of `payments` first reached `amount`."""
    total = ZERO
    for at, paid in payments:
        total += paid
        if total >= amount:
            return at
    return None


@dataclass(frozen=True)
class AgreementPosition:
    """Where a payment agreement stands at `now`, and since when."""

    status: str  # proposed, active, completed, broken
    installments: list[Installment]
    paid_each: list[Decimal]
    standing: Standing
    activated_at: dt.datetime | None
    ended_at: dt.datetime | None

    @property
    def span(self) -> Span | None:
        """While it suspended the case: from the first installment paid until it ended."""
        if self.activated_at is None:
            return None
        return Span(self.activated_at, self.ended_at)


def agreement_position(
    agreement: PaymentAgreement,
    arrangement: DueArrangement,
    payments: Sequence[Paid],
    now: dt.datetime,
) -> AgreementPosition:
    """Payments fill the installments in order; the agreement is active once the first is
    paid, completed once all are, and broken at the end of the first installment's day that
    passed unpaid (a proposal whose first installment was never paid lapses the same way)."""
    parts = schedule(arrangement.total, arrangement.installments, arrangement.first_due_on)
    paid = sum((amount for at, amount in payments if at <= now), ZERO)
    cumulative = ZERO
    activated_at = completed_at = broken_at = None
    for part in parts:
        cumulative += part.amount
        paid_by = covered_at(payments, cumulative)
        if part.number == 1:
            activated_at = paid_by
        deadline = d.end_of(part.due_on)
        if paid_by is None or paid_by >= deadline:
            broken_at = deadline if deadline <= now else None
            break
    else:
        completed_at = paid_by
    if agreement.status in ("completed", "broken") and agreement.ended_at is not None:
        ended = agreement.ended_at
        status = agreement.status
    elif broken_at is not None:
        ended, status = broken_at, "broken"
    elif completed_at is not None and completed_at <= now:
        ended, status = completed_at, "completed"
    else:
        ended = None
        status = "active" if activated_at is not None and activated_at <= now else "proposed"
    if activated_at is not None and activated_at > now:
        activated_at = None
    remaining = paid
    paid_each = []
    for part in parts:
        share = min(part.amount, remaining)
        paid_each.append(share)
        remaining -= share
    return AgreementPosition(
        status=status,
        installments=parts,
        paid_each=paid_each,
        standing=standing(parts, paid, local_date(now)),
        activated_at=activated_at,
        ended_at=ended,
    )


def agreements_of(
    session: Session, supply_point_id: int, *, live_locked: bool = False
) -> list[tuple[PaymentAgreement, DueArrangement]]:
    """The supply point's agreements, oldest first; with `live_locked` only those proposed or
    in force, their rows locked (a second sweep waits, then finds them settled)."""
    statement = (
        select(PaymentAgreement, DueArrangement)
        .join(DueArrangement, DueArrangement.id == PaymentAgreement.arrangement_id)
        .where(PaymentAgreement.supply_point_id == supply_point_id)
        .order_by(PaymentAgreement.id)
    )
    if live_locked:
        statement = statement.where(PaymentAgreement.status.in_(LIVE)).with_for_update(
            of=PaymentAgreement
        )
    return [(agreement, arrangement) for agreement, arrangement in session.execute(statement)]


def positions(
    session: Session, supply_point_id: int, now: dt.datetime
) -> list[tuple[PaymentAgreement, AgreementPosition]]:
    found = []
    for agreement, arrangement in agreements_of(session, supply_point_id):
        paid = payments_from(session, supply_point_id, arrangement.counted_from)
        found.append((agreement, agreement_position(agreement, arrangement, paid, now)))
    return found


Receipts = dict[int, tuple[dt.datetime, str]]


def receipts(session: Session, notices: Sequence[DisconnectionNotice]) -> Receipts:
    """When and how each notice was received: recorded on it, or read in the inbox since."""
    found: Receipts = {
        n.id: (n.received_at, n.received_by or "") for n in notices if n.received_at is not None
    }
    pending = {
        n.notification_id: n.id for n in notices if n.received_at is None and n.notification_id
    }
    if pending:
        rows = session.execute(
            select(Notification.id, Notification.read_at).where(
                Notification.id.in_(list(pending)), Notification.read_at.is_not(None)
            )
        )
        for notification_id, read_at in rows:
            if read_at is not None:
                found[pending[notification_id]] = (read_at, "inbox")
    return found


def settle_receipts(session: Session, notices: Sequence[DisconnectionNotice]) -> None:
    """Record on each notice a receipt only the inbox knew of (writes: not for a GET)."""
    by_id = {notice.id: notice for notice in notices}
    for notice_id, (at, by) in receipts(session, notices).items():
        notice = by_id[notice_id]
        if notice.received_at is None:
            notice.received_at, notice.received_by = at, by


def _received(
    notices: Sequence[DisconnectionNotice], found: Receipts, kind: str, since: dt.datetime
) -> dt.datetime | None:
    for notice in reversed(notices):
        if notice.kind == kind and notice.issued_at >= since:
            receipt = found.get(notice.id)
            return receipt[0] if receipt else None
    return None


def case_facts(
    session: Session,
    case: DisconnectionCase | None,
    *,
    now: dt.datetime,
    supply_point_id: int | None = None,
) -> Facts:
    """The facts of `case` (None: no open case on `supply_point_id`) at `now`."""
    if case is None:
        spans = []
        if supply_point_id is not None:
            spans = [p.span for _a, p in positions(session, supply_point_id, now) if p.span]
        return Facts(agreements=tuple(spans))
    found = receipts(session, case.notices)
    objections = []
    for objection in case.objections:
        decision = objection.decision_notice
        decision_received = found.get(decision.id) if decision is not None else None
        objections.append(
            ObjectionFact(
                filed_at=objection.filed_at,
                disputes_bill=objection.bill_id is not None,
                decided_at=objection.decided_at,
                upheld=None if objection.status == "open" else objection.status == "upheld",
                decision_received_at=decision_received[0] if decision_received else None,
            )
        )
    certificate = case.medical_certificate
    paid = payments_from(session, case.supply_point_id, case.warned_at)
    spans = [p.span for _a, p in positions(session, case.supply_point_id, now) if p.span]
    return Facts(
        stage=Stage(case.stage),
        last_event_at=case.last_event_at,
        warned_at=case.warned_at,
        warning_received_at=_received(case.notices, found, "warning", case.warned_at),
        notice_at=case.notice_at,
        scheduled_for=case.scheduled_for,
        notice_received_at=_received(case.notices, found, "disconnection", case.notice_at)
        if case.notice_at
        else None,
        disconnected_at=case.disconnected_at,
        objections=tuple(objections),
        medical=Span(certificate.recorded_at, certificate.postponed_until) if certificate else None,
        agreements=tuple(spans),
        covered_at=covered_at(paid, case.amount_due),
    )
