"""The app's own card payments in balances and bill statuses, until the CIS confirms them.

Contract ("Payments"): until the CIS sync confirms it, a payment that succeeded at the bank
counts in `pending_payments` and lowers the `amount_due` shown to the customer, so "I paid but
it still shows the old amount" never happens. Once the import brings the same payment back
(its `CisPayment.reference` is the item's `cis_reference`), the imported row counts instead
and this one drops out.

`unconfirmed` is a scalar subquery, so that balances fold it into the statement that reads
the meters and stay at a fixed number of queries.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ScalarSelect, exists, func, select

from ekesco_api.payments.models import STATUS_SUCCEEDED, CisPayment, Payment, PaymentItem


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
