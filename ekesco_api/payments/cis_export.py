"""The CIS export: a local day's succeeded app payments as CSV (`ekesco export-payments`).

The CIS brings each row back in its payments.csv under `reference` (the item's
`cis_reference`); from then on the imported payment counts instead of the app's (see `ledger`).
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.clock import local_midnight
from ekesco_api.payments.models import STATUS_SUCCEEDED, Payment, PaymentItem

EXPORT_COLUMNS = (
    "reference",
    "customer_code",
    "amount",
    "paid_at",
    "channel",
    "payment_id",
    "bank_reference",
    "meter_number",
    "bill_number",
)
EXPORT_CHANNEL = "ekesco"


def _instant(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_payments(session: Session, *, day: dt.date, out: TextIO) -> int:
    """Write the payments that succeeded on a local (Europe/Belgrade) day as CSV for the CIS.

    One row per customer code paid, with the columns of the CIS's own payments.csv first
    (`reference` is what the CIS sends back), then our ids: the meter paid in the app, or the
    bill paid without an account (the other one empty). Returns the number of rows.
    """
    start, end = local_midnight(day), local_midnight(day + dt.timedelta(days=1))
    rows = session.execute(
        select(PaymentItem, Payment.id, Payment.bank_reference, Payment.completed_at)
        .join(Payment, Payment.id == PaymentItem.payment_id)
        .where(
            Payment.status == STATUS_SUCCEEDED,
            Payment.completed_at >= start,
            Payment.completed_at < end,
        )
        .order_by(Payment.completed_at, Payment.id, PaymentItem.position)
    ).all()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for item, payment_id, bank_reference, completed_at in rows:
        writer.writerow(
            [
                item.cis_reference,
                item.customer_code,
                f"{item.amount:.2f}",
                _instant(completed_at),
                EXPORT_CHANNEL,
                payment_id,
                bank_reference,
                item.meter_number,
                item.bill_number,
            ]
        )
    return len(rows)
