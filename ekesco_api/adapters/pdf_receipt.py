"""The printed payment receipt: when, how much, the bank reference and what it paid, on one page.

Labels are English msgids translated with `_` in the customer's language (sq, en, sr: Latin
script); amounts and the local time of payment are written as that language writes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ekesco_api.adapters.pdf_layout import KESCO, PdfLayout, Supplier, drawn_in
from ekesco_api.formatting import CENT, format_local_datetime, format_money
from ekesco_api.i18n import _


@dataclass(frozen=True)
class ReceiptItem:
    """What one payment paid on one customer code (and, when known, which bill)."""

    customer_code: str
    amount: Decimal
    bill_number: str | None = None


@dataclass(frozen=True)
class ReceiptDocument:
    """A proof of an app payment, as plain values; `paid_at` is timezone-aware (UTC).

    The customer pays no commission (provision) on app payments, so `commission` is 0.00
    unless the payments service says otherwise; it is printed either way. The items must add
    up to `amount`.
    """

    receipt_number: str
    paid_at: dt.datetime
    amount: Decimal
    bank_reference: str
    items: tuple[ReceiptItem, ...]
    commission: Decimal = Decimal("0.00")
    payment_method: str | None = None  # e.g. "Visa •••• 4242"
    supplier: Supplier = KESCO

    def __post_init__(self) -> None:
        if self.paid_at.tzinfo is None:
            raise ValueError("paid_at must be timezone-aware")
        if not self.items:
            raise ValueError(f"receipt {self.receipt_number} names no customer code")
        added = sum((item.amount for item in self.items), Decimal(0))
        if added.quantize(CENT) != self.amount.quantize(CENT):
            raise ValueError(
                f"receipt {self.receipt_number}: items add up to {added}, not {self.amount}"
            )


def render_receipt_pdf(receipt: ReceiptDocument, *, language: str) -> bytes:
    """The payment receipt (one A4 page) in the customer's language ("sq", "en" or "sr")."""
    return drawn_in(language, lambda lang: _draw_receipt(receipt, lang))


def _draw_receipt(receipt: ReceiptDocument, lang: str) -> bytes:
    title = _("Payment receipt")
    doc = PdfLayout(
        language=lang, title=f"{title} {receipt.receipt_number}", author=receipt.supplier.name
    )
    doc.letterhead(
        receipt.supplier,
        title,
        [
            _("Receipt no. %(number)s", number=receipt.receipt_number),
            format_local_datetime(receipt.paid_at, lang),
        ],
    )
    codes = ", ".join(dict.fromkeys(item.customer_code for item in receipt.items))
    rows = [
        (_("Date and time"), format_local_datetime(receipt.paid_at, lang)),
        (_("Amount paid"), format_money(receipt.amount, lang)),
        (_("Commission"), format_money(receipt.commission, lang)),
        (_("Bank reference"), receipt.bank_reference),
        (_("Customer code") if len(receipt.items) == 1 else _("Customer codes"), codes),
    ]
    if receipt.payment_method:
        rows.append((_("Paid with"), receipt.payment_method))
    doc.fields(rows)

    doc.section(_("Paid for"))
    doc.table(
        [_("Customer code"), _("Bill"), _("Amount")],
        (
            [item.customer_code, item.bill_number or "–", format_money(item.amount, lang)]
            for item in receipt.items
        ),
        widths=(60, 70, 50),
        align=("L", "L", "R"),
    )
    doc.total(_("Total paid"), format_money(receipt.amount + receipt.commission, lang))
    doc.note(
        _(
            "Payments in the eKesco app carry no commission. A bill can show as unpaid until "
            "the supplier's systems record this payment; keep this receipt as proof."
        )
    )
    return doc.finish(receipt.supplier.footer())
