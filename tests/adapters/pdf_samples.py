"""A household bill and an app payment receipt to render: shared by the PDF tests and
`benchmarks/bill_pdf.py`, so that both print the same documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ekesco_api.adapters.pdf_bill import BillDocument, BillLine, MeterReads
from ekesco_api.adapters.pdf_receipt import ReceiptDocument, ReceiptItem
from ekesco_api.masking import mask_holder

HOLDER = "Shpëtim Gërguri"
ADDRESS = "Rr. Nëna Terezë 12, Dardania, Prishtinë"


def sample_bill(
    name: str = HOLDER, address: str = ADDRESS, *, name_matches_holder: bool = True
) -> BillDocument:
    """A two-tariff household bill with the usual lines, masked when the names differ."""
    holder = mask_holder(name, address, name_matches_holder=name_matches_holder)
    return BillDocument(
        bill_number="2026-11-0001234",
        customer_code="DPR 0123456",
        **holder._asdict(),
        period="2026-11",
        issued_on=dt.date(2026, 12, 3),
        due_on=dt.date(2026, 12, 20),
        meters=(
            MeterReads(
                meter_number="12345678",
                previous_high=Decimal("10234.000"),
                current_high=Decimal("10780.500"),
                previous_low=Decimal("5120"),
                current_low=Decimal("5400"),
                previous_read_on=dt.date(2026, 10, 31),
                current_read_on=dt.date(2026, 11, 30),
            ),
        ),
        lines=(
            BillLine(
                "Energjia A1/B1", Decimal("36.97"), Decimal("546.5"), "kWh", Decimal("0.06763")
            ),
            BillLine("Energjia A2/B1", Decimal("9.46"), Decimal("280"), "kWh", Decimal("0.0338")),
            BillLine("Tarifa fikse", Decimal("1.74"), Decimal("1"), "muaj", Decimal("1.74")),
            BillLine("TVSH 8 %", Decimal("3.85")),
            BillLine("Borxhi i mëparshëm", Decimal("-2.00")),
        ),
        total=Decimal("50.02"),
        payment_reference="9912345678901",
    )


def sample_receipt() -> ReceiptDocument:
    """One app card payment on two customer codes."""
    return ReceiptDocument(
        receipt_number="P-000123",
        paid_at=dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC),
        amount=Decimal("57.30"),
        bank_reference="BKT-2026-998877",
        items=(
            ReceiptItem("DPR 0123456", Decimal("45.67"), "2026-11-0001234"),
            ReceiptItem("DPZ 7654321", Decimal("11.63")),
        ),
        payment_method="Visa •••• 4242",
    )
