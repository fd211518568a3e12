"""Money paid towards a supply point's bills: imported payments and the app's unconfirmed ones.

One statement answers both for every supply point a request needs: the imported payments
made since each one's cutoff (the issue date of the bill they count against), and, per supply
point, the app's succeeded payments the CIS has not confirmed yet (`app_payments`). That keeps
`GET /balance` and the bill lists at a fixed number of statements however many meters an
account has and whether or not it has paid in the app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import bindparam, literal, select, union_all
from sqlalchemy.orm import Session

from ekesco_api.balance.app_payments import unconfirmed_select
from ekesco_api.payments.models import CisPayment
from ekesco_api.types import UtcDateTime, utcnow

ZERO = Decimal("0.00")

_app = unconfirmed_select("app_supply_point_ids").subquery("app")
_STATEMENT = union_all(
    select(CisPayment.supply_point_id, CisPayment.paid_at, CisPayment.amount).where(
        CisPayment.supply_point_id.in_(bindparam("cis_supply_point_ids", expanding=True)),
        CisPayment.paid_at >= bindparam("since", type_=UtcDateTime()),
    ),
    # An unconfirmed app payment has no `paid_at` of the CIS: NULL marks it.
    select(_app.c.supply_point_id, literal(None, UtcDateTime()), _app.c.amount),
)


@dataclass
class Paid:
    """Per supply point: imported payments since its cutoff, and pending app payments."""

    imported: dict[int, Decimal] = field(default_factory=dict)
    pending: dict[int, Decimal] = field(default_factory=dict)

    def total(self, supply_point_id: int) -> Decimal:
        return self.imported.get(supply_point_id, ZERO) + self.pending.get(supply_point_id, ZERO)


def paid_since(
    session: Session,
    *,
    cutoffs: Mapping[int, dt.datetime],
    supply_point_ids: Collection[int],
) -> Paid:
    """Imported payments at or after `cutoffs[sp]`, and unconfirmed app payments of every sp.

    Supply points without a cutoff (no bill yet) count only their app payments.
    """
    paid = Paid()
    if not supply_point_ids:
        return paid
    rows = session.connection().execute(
        _STATEMENT,
        {
            "cis_supply_point_ids": list(cutoffs),
            "since": min(cutoffs.values()) if cutoffs else utcnow(),
            "app_supply_point_ids": list(supply_point_ids),
        },
    )
    for supply_point_id, paid_at, amount in rows:
        if paid_at is None:
            paid.pending[supply_point_id] = paid.pending.get(supply_point_id, ZERO) + amount
        elif paid_at >= cutoffs[supply_point_id]:
            paid.imported[supply_point_id] = paid.imported.get(supply_point_id, ZERO) + amount
    return paid
