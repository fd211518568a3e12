"""The seam where the app's own card payments enter balances and bill statuses.

Contract ("Payments"): until the CIS sync confirms it, a payment that succeeded at the bank
counts in `pending_payments` and lowers the `amount_due` shown to the customer, so "I paid but
it still shows the old amount" never happens. Once the import brings the same payment back
(its `CisPayment.reference` is the item's `cis_reference`), the imported row counts instead
and this one drops out: one statement, for all the supply points a request needs at once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal

from sqlalchemy.orm import Session


def unconfirmed_app_payments(
    session: Session, *, supply_point_ids: Collection[int]
) -> Mapping[int, Decimal]:
    """Succeeded app payments the CIS has not confirmed yet, summed per supply point.

    Supply points without any are left out of the mapping.
    """
    # Imported here: the payments service reads meters, whose balance imports this module.
    from ekesco_api.payments import service as payment_service

    return payment_service.unconfirmed_by_supply_point(session, supply_point_ids=supply_point_ids)
