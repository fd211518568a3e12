"""The app's own card payments in balances and bill statuses, until the CIS confirms them.

Contract ("Payments"): until the CIS sync confirms it, a payment that succeeded at the bank
counts in `pending_payments` and lowers the `amount_due` shown to the customer, so "I paid but
it still shows the old amount" never happens. Once the import brings the same payment back
(its `CisPayment.reference` is the item's `cis_reference`), the imported row counts instead
and this one drops out.

`unconfirmed_select` is the statement; `ledger` folds it into the same statement as the
imported payments, so that balances stay at a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import Session

from ekesco_api.payments.models import STATUS_SUCCEEDED, CisPayment, Payment, PaymentItem


def unconfirmed_select(parameter: str = "supply_point_ids") -> Select[int, Decimal]:
    """Per supply point in the list bound as `parameter`: the sum of its succeeded app payment
    items that no imported payment matches yet (columns `supply_point_id`, `amount`)."""
    confirmed = exists().where(CisPayment.reference == PaymentItem.cis_reference)
    return (
        select(PaymentItem.supply_point_id, func.sum(PaymentItem.amount).label("amount"))
        .join(Payment, Payment.id == PaymentItem.payment_id)
        .where(
            PaymentItem.supply_point_id.in_(bindparam(parameter, expanding=True)),
            Payment.status == STATUS_SUCCEEDED,
            ~confirmed,
        )
        .group_by(PaymentItem.supply_point_id)
    )


_UNCONFIRMED = unconfirmed_select()


def unconfirmed_app_payments(
    session: Session, *, supply_point_ids: Collection[int]
) -> Mapping[int, Decimal]:
    """Succeeded app payments the CIS has not confirmed yet, summed per supply point.

    Supply points without any are left out of the mapping.
    """
    if not supply_point_ids:
        return {}
    rows = session.execute(_UNCONFIRMED, {"supply_point_ids": list(supply_point_ids)})
    return {supply_point_id: Decimal(total) for supply_point_id, total in rows}
