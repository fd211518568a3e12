"""The receipt of a payment that succeeded, in the customer's language: a PDF in the app, an
e-mail to someone who paid a paper bill without an account."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ekesco_api.adapters.pdf_receipt import ReceiptDocument, ReceiptItem, render_receipt_pdf
from ekesco_api.formatting import format_local_datetime, format_money
from ekesco_api.i18n import _, language
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


def payer_message(payment: Payment) -> tuple[str, str]:
    """(subject, body) of the e-mail to someone who paid without an account, in the language
    they asked in: the receipt once the bank confirmed, otherwise that nothing was charged."""
    lang = payment.payer_language or "sq"
    item = payment.items[0]
    with language(lang):
        if payment.status != STATUS_SUCCEEDED or payment.completed_at is None:
            subject = _("Payment not completed")
            body = _(
                "Your payment of %(amount)s for customer code %(code)s was not completed and "
                "nothing was charged.",
                amount=format_money(payment.amount, lang),
                code=item.customer_code,
            )
            return str(subject), str(body)
        subject = _("Payment receipt")
        rows = [
            (_("Receipt no. %(number)s", number=receipt_number(payment)), ""),
            (_("Date and time"), format_local_datetime(payment.completed_at, lang)),
            (_("Amount paid"), format_money(payment.amount, lang)),
            (_("Commission"), format_money(payment.commission, lang)),
            (_("Bank reference"), payment.bank_reference or ""),
            (_("Customer code"), item.customer_code),
            (_("Bill"), item.bill_number or ""),
        ]
        lines = [f"{label}: {value}" if value else str(label) for label, value in rows]
        intro = _(
            "Thank you: KESCO received this payment. It may take a few days to show on the bill."
        )
    return str(subject), "\n".join([str(intro), "", *lines])
