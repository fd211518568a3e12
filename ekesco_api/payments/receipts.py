"""The PDF receipt of a payment that succeeded, in the customer's language."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ekesco_api.adapters.pdf_receipt import ReceiptDocument, ReceiptItem, render_receipt_pdf
from ekesco_api.payments.errors import PaymentNotSucceeded
from ekesco_api.payments.history import get_payment
from ekesco_api.payments.models import STATUS_SUCCEEDED, Payment


def receipt_number(payment: Payment) -> str:
    return f"EK-{payment.id:08d}"


def receipt_pdf(
    session: Session, *, account_id: int, payment_id: int, language: str
) -> tuple[str, bytes]:
    """(file name, PDF) of a succeeded payment's receipt."""
    payment = get_payment(session, account_id=account_id, payment_id=payment_id)
    if payment.status != STATUS_SUCCEEDED or payment.completed_at is None:
        raise PaymentNotSucceeded()
    number = receipt_number(payment)
    document = ReceiptDocument(
        receipt_number=number,
        paid_at=payment.completed_at,
        amount=payment.amount,
        bank_reference=payment.bank_reference or "",
        items=tuple(ReceiptItem(item.customer_code, item.amount) for item in payment.items),
        commission=payment.commission,
    )
    return f"receipt-{number}.pdf", render_receipt_pdf(document, language=language)
