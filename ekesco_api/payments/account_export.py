"""The account's card payments in its data export, newest first, each with what it paid."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.accounts.export import CHUNK_ROWS, ExportContext, section
from ekesco_api.payments.models import Payment, PaymentItem

_PAYMENTS = (
    select(
        Payment.id,
        Payment.status,
        Payment.amount,
        Payment.commission,
        Payment.currency,
        Payment.bank_reference,
        Payment.created_at,
        Payment.completed_at,
        PaymentItem.customer_code,
        PaymentItem.meter_number,
        PaymentItem.bill_number,
        PaymentItem.amount.label("item_amount"),
    )
    .join(PaymentItem, PaymentItem.payment_id == Payment.id)
    .order_by(Payment.id.desc(), PaymentItem.position)
)


@section("payments", order=40)
def payments(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    rows = session.connection().execute(
        _PAYMENTS.where(Payment.account_id == context.account_id).execution_options(
            yield_per=CHUNK_ROWS
        )
    )
    for _payment_id, group in groupby(rows, key=lambda row: row.id):
        items = list(group)
        first = items[0]
        yield {
            "id": first.id,
            "status": first.status,
            "amount": first.amount,
            "commission": first.commission,
            "currency": first.currency,
            "bank_reference": first.bank_reference,
            "created_at": first.created_at,
            "completed_at": first.completed_at,
            "items": [
                {
                    "customer_code": item.customer_code,
                    "meter_number": item.meter_number,
                    "bill_number": item.bill_number,
                    "amount": item.item_amount,
                }
                for item in items
            ],
        }
