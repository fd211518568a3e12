"""Money paid towards a supply point's bills: imported payments and the app's unconfirmed ones.

A payment counts against the bills issued on or before the day it was made in Kosovo
(`CisPayment.paid_on`), so what was paid towards a bill issued on day D is every imported
payment with `paid_on >= D`, plus the app's succeeded payments the CIS has not confirmed yet
(`app_payments`). Both are scalar subqueries: a balance puts them beside each meter's latest
bill in one statement, and `paid_since` asks for one supply point's in one.

SQLite sums NUMERIC columns in binary floating point; the sum is read back as a Decimal rounded
to the cent (the column's scale), which is exact for any sum a supply point can reach (the
error stays far below half a cent up to 10^12 €). PostgreSQL sums in exact numeric.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, Integer, ScalarSelect, bindparam, func, select
from sqlalchemy.orm import Session

from ekesco_api.payments.app_payments import unconfirmed
from ekesco_api.payments.models import CisPayment

ZERO = Decimal("0.00")


def imported_since(supply_point_id: Any, day: Any) -> ScalarSelect[Decimal]:
    """The sum of the imported payments of `supply_point_id` made on or after `day` (columns
    to correlate with, or values); NULL when there are none, or when `day` is NULL."""
    return (
        select(func.sum(CisPayment.amount))
        .where(CisPayment.supply_point_id == supply_point_id, CisPayment.paid_on >= day)
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
