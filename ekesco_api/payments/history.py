"""An account's payments as it reads them: the history, newest first, and one payment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from ekesco_api.payments.errors import PaymentNotFound
from ekesco_api.payments.models import Payment


def payments_query(account_id: int) -> Select[Any]:
    """The account's payments, newest first (for pagination)."""
    return (
        select(Payment)
        .where(Payment.account_id == account_id)
        .options(selectinload(Payment.items))
        .order_by(Payment.id.desc())
        # Status changes are bulk UPDATEs: never answer from stale objects in the session.
        .execution_options(populate_existing=True)
    )


def get_payment(session: Session, *, account_id: int, payment_id: int) -> Payment:
    """One of the account's payments; `PaymentNotFound` for any other id."""
    payment: Payment | None = session.scalar(
        payments_query(account_id).where(Payment.id == payment_id)
    )
    if payment is None:
        raise PaymentNotFound()
    return payment
