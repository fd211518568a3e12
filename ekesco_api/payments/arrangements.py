"""An arrangement's installments and where they stand: pure arithmetic, and the one sum of
payments it needs.

Payments are matched to installments in order: everything paid towards the supply point from
the moment the arrangement was made counts, the first euros against the first installment and
any excess against the next, so paying early or more is never lost. An imported payment counts
from its `paid_at`, an app payment the CIS has not confirmed yet from the bank's confirmation
(`completed_at`); once confirmed, the imported copy counts instead, never both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.payments.arrangement_models import DueArrangement
from ekesco_api.payments.models import STATUS_SUCCEEDED, CisPayment, Payment, PaymentItem

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Installment:
    number: int
    due_on: dt.date
    amount: Decimal


def schedule(total: Decimal, count: int, first_due_on: dt.date) -> list[Installment]:
    """`count` monthly installments of `total`, the first on `first_due_on`; equal parts
    rounded down to the cent, the last one taking what rounding left. A month without the
    first's day falls on its last day (31 Jan, 28 or 29 Feb, 31 Mar)."""
    part = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    return [
        Installment(
            number=n + 1,
            due_on=first_due_on + relativedelta(months=n),
            amount=part if n < count - 1 else total - part * (count - 1),
        )
        for n in range(count)
    ]


@dataclass(frozen=True, slots=True)
class Standing:
    """Where an arrangement stands on a day, given what was paid towards it."""

    due_now: Decimal  # what was due by today and is not paid yet
    paid: Decimal
    covered: int  # installments paid in full
    next: Installment | None  # the first installment not paid in full
    next_left: Decimal  # what is left of it
    overdue: Installment | None  # the first installment whose day passed unpaid


def standing(installments: list[Installment], paid: Decimal, today: dt.date) -> Standing:
    cumulative, covered = ZERO, 0
    due_by_today = ZERO
    upcoming: Installment | None = None
    next_left = ZERO
    overdue: Installment | None = None
    for installment in installments:
        cumulative += installment.amount
        if installment.due_on <= today:
            due_by_today += installment.amount
        if paid >= cumulative:
            covered += 1
        elif upcoming is None:
            upcoming, next_left = installment, cumulative - paid
            if installment.due_on < today:
                overdue = installment
    return Standing(
        due_now=max(due_by_today - paid, ZERO),
        paid=paid,
        covered=covered,
        next=upcoming,
        next_left=next_left,
        overdue=overdue,
    )


def _received_from(
    supply_point_id: Any, since: Any, imported: tuple[Any, ...], pending: tuple[Any, ...]
) -> tuple[Select[Any], Select[Any]]:
    """`imported` columns of the CIS's payments and `pending` ones of the app's payments the
    CIS has not brought back yet, to `supply_point_id` (or any of a list of them) from the
    instant `since` on."""

    def to_point(column: Any) -> ColumnElement[bool]:
        if isinstance(supply_point_id, list):
            return column.in_(supply_point_id)
        return column == supply_point_id

    confirmed = exists().where(CisPayment.reference == PaymentItem.cis_reference)
    return (
        select(*imported).where(to_point(CisPayment.supply_point_id), CisPayment.paid_at >= since),
        select(*pending)
        .join(Payment, Payment.id == PaymentItem.payment_id)
        .where(
            to_point(PaymentItem.supply_point_id),
            Payment.status == STATUS_SUCCEEDED,
            Payment.completed_at >= since,
            ~confirmed,
        ),
    )


def paid_from(supply_point_id: Any, since: Any) -> ColumnElement[Decimal]:
    """What reached `supply_point_id` from the instant `since` on (columns to correlate with,
    or values), as the sum of two scalar subqueries. Never NULL unless `since` is.

    Not wrapped in a SELECT of its own: the subqueries would then correlate to that SELECT,
    which has no FROM, and so read every supply point's payments (for all, on every balance).
    """
    imported, pending = _received_from(
        supply_point_id,
        since,
        (func.coalesce(func.sum(CisPayment.amount), 0),),
        (func.coalesce(func.sum(PaymentItem.amount), 0),),
    )
    return imported.scalar_subquery() + pending.scalar_subquery()


def payments_from(
    session: Session, supply_point_id: int, since: dt.datetime
) -> list[tuple[dt.datetime, Decimal]]:
    """What reached the supply point from `since` on, as (instant, amount), oldest first."""
    imported, pending = _received_from(
        supply_point_id,
        since,
        (CisPayment.paid_at, CisPayment.amount),
        (Payment.completed_at, PaymentItem.amount),
    )
    rows = [*session.execute(imported), *session.execute(pending)]
    return sorted((at, Decimal(amount)) for at, amount in rows if at is not None)


def payments_to(
    session: Session, since: dict[int, dt.datetime]
) -> dict[int, list[tuple[dt.datetime, Decimal]]]:
    """`payments_from` for many supply points at once (each from its own instant), in two
    statements however many they are."""
    found: dict[int, list[tuple[dt.datetime, Decimal]]] = {point: [] for point in since}
    if not since:
        return found
    imported, pending = _received_from(
        list(since),
        min(since.values()),
        (CisPayment.supply_point_id, CisPayment.paid_at, CisPayment.amount),
        (PaymentItem.supply_point_id, Payment.completed_at, PaymentItem.amount),
    )
    for point, at, amount in [*session.execute(imported), *session.execute(pending)]:
        if at is not None and at >= since[point]:
            found[point].append((at, Decimal(amount)))
    return {point: sorted(paid) for point, paid in found.items()}


def open_arrangement(session: Session, arrangement: DueArrangement) -> bool:
    """Add `arrangement` unless its supply point has one open already: False then. The partial
    unique index decides, so two requests at once cannot both open one."""
    try:
        with session.begin_nested():
            session.add(arrangement)
            session.flush()
    except IntegrityError:
        return False
    return True
