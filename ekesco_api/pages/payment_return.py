"""What the payment-return page says: the payment's status as the bank's callback left it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.payments.models import Payment
from ekesco_api.routing import MAX_ID

# ASCII digits, no more than an id has: str.isdigit() also takes "²", which int() refuses.
_ORDER_ID = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True)
class Outcome:
    """`status`: succeeded, failed, expired, pending, or unknown (no such payment)."""

    status: str
    payment_id: int | None
    # What the bank's redirect said (`success` or `fail`): shown only while we wait for its
    # signed callback, since anyone can edit a URL.
    bank_said: str | None


def payment_outcome(session: Session, *, order_id: str, bank_said: str | None) -> Outcome:
    """The outcome for the page. It shows the status alone: the page needs no login, so it
    names no amount, meter or person, whatever id one types into the URL."""
    said = bank_said if bank_said in {"success", "fail"} else None
    if not _ORDER_ID.fullmatch(order_id) or int(order_id) > MAX_ID:
        return Outcome("unknown", None, None)
    status = session.scalar(select(Payment.status).where(Payment.id == int(order_id)))
    if status is None:
        return Outcome("unknown", None, None)
    return Outcome(status, int(order_id), said if status == "pending" else None)
