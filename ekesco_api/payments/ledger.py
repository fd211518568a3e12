"""Money paid towards a supply point's bills: imported payments and the app's unconfirmed ones.

A payment counts against the bills issued on or before the day it was made in Kosovo
(`CisPayment.paid_on`), so what was paid towards a bill issued on day D is every imported
payment with `paid_on >= D` (`imported_since`), plus the app's succeeded payments the CIS has
not confirmed yet (`unconfirmed`).

Contract ("Payments"): until the CIS sync confirms it, a payment that succeeded at the bank
counts in `pending_payments` and lowers the `amount_due` shown to the customer, so "I paid but
it still shows the old amount" never happens. Once the import brings the same payment back
(its `CisPayment.reference` is the item's `cis_reference`), the imported row counts instead
and the app's drops out.

Both sums are scalar subqueries: a balance puts them beside each meter's latest bill in one
statement and stays at a fixed number of queries, and `paid_since` asks for one supply point's
in one.

SQLite sums NUMERIC columns in binary floating point; the sum is read back as a Decimal rounded
to the cent (the column's scale), which is exact for any sum a supply point can reach (the
error stays far below half a cent up to 10^12 €). PostgreSQL sums in exact numeric.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, Integer, ScalarSelect, bindparam, exists, func, select
from sqlalchemy.orm import Session

from ekesco_api.payments.models import STATUS_SUCCEEDED, CisPayment, Payment, PaymentItem

ZERO = Decimal("0.00")


def imported_since(supply_point_id: Any, day: Any) -> ScalarSelect[Decimal]:
    """The sum of the imported payments of `supply_point_id` made on or after `day` (columns
    to correlate with, or values); NULL when there are none, or when `day` is NULL."""
    return (
        select(func.sum(CisPayment.amount))
        .where(CisPayment.supply_point_id == supply_point_id, CisPayment.paid_on >= day)
        .scalar_subquery()
    )


def unconfirmed(supply_point_id: Any) -> ScalarSelect[Decimal]:
    """The sum of the succeeded app payment items of `supply_point_id` (a column to correlate
    with, or a value) that no imported payment matches yet; NULL when there are none."""
    confirmed = exists().where(CisPayment.reference == PaymentItem.cis_reference)
    return (
        select(func.sum(PaymentItem.amount))
        .join(Payment, Payment.id == PaymentItem.payment_id)
        .where(
            PaymentItem.supply_point_id == supply_point_id,
            Payment.status == STATUS_SUCCEEDED,
            ~confirmed,
        )
        .scalar_subquery()
    )


@dataclass(frozen=True, slots=True)
class Paid:
    """Of one supply point: imported payments since a day, and pending app payments."""

    imported: Decimal
    pending: Decimal

    @property
    def total(self) -> Decimal:
        return self.imported + self.pending


_SUPPLY_POINT: BindParameter[int] = bindparam("supply_point_id", type_=Integer())
_PAID_SINCE = select(
    imported_since(_SUPPLY_POINT, bindparam("since", type_=CisPayment.paid_on.type)),
    unconfirmed(_SUPPLY_POINT),
)


def paid_since(session: Session, *, supply_point_id: int, since: dt.date) -> Paid:
    """What was paid towards the bills of `supply_point_id` issued from `since` on."""
    imported, pending = (
        session.connection()
        .execute(_PAID_SINCE, {"supply_point_id": supply_point_id, "since": since})
        .one()
    )
    return Paid(imported or ZERO, pending or ZERO)
