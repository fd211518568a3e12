"""The seam where the app's own card payments will enter balances and bill statuses.

Contract ("Payments"): until the CIS sync confirms it, a payment that succeeded at the bank
counts in `pending_payments` and lowers the `amount_due` shown to the customer, so "I paid but
it still shows the old amount" never happens. The app's payments (`POST /payments`) arrive
with the payments issue; until then there are none, and this function says so honestly rather
than pretending: it returns no amounts and runs no query.

The payments issue replaces the body with one query over its own table: per supply point, the
sum of the items of payments that succeeded and that no imported `CisPayment` has matched yet
(matched by the bank reference the CIS carries back). Every caller already passes all the
supply points it needs at once, so that stays one statement per request.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal

from sqlalchemy.orm import Session


def unconfirmed_app_payments(
    session: Session, *, supply_point_ids: Collection[int]
) -> Mapping[int, Decimal]:
    """Succeeded app payments the CIS has not confirmed yet, summed per supply point.

    Supply points without any are left out of the mapping. None exist before the payments
    issue lands.
    """
    del session, supply_point_ids  # used once app payments exist; see the module docstring
    return {}
