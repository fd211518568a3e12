"""The printed monthly bill: holder, meter reads, charges, total and how to pay, on one A4 page.

Labels are English msgids translated with `_` in the customer's language (sq, en, sr: Latin
script); amounts, quantities and dates are written as that language writes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ekesco_api.adapters.pdf_layout import (
    CONTENT_WIDTH,
    KESCO,
    PAGE_MARGIN,
    PdfLayout,
    Supplier,
    drawn_in,
)
from ekesco_api.formatting import (
    CENT,
    format_date,
    format_money,
    format_period,
    format_quantity,
    format_rate,
    format_unit_price,
    parse_period,
)
from ekesco_api.i18n import _


@dataclass(frozen=True)
class MeterReads:
    """A meter's register reads at the start and the end of the period, high and low tariff.

    A single-tariff meter has only the high-tariff register: leave the low reads `None`.
    """

    meter_number: str
    previous_high: Decimal
    current_high: Decimal
    previous_low: Decimal | None = None
    current_low: Decimal | None = None
    previous_read_on: dt.date | None = None
    current_read_on: dt.date | None = None


@dataclass(frozen=True)
class BillLine:
    """One line of a bill: energy at a tariff and block, the fixed fee, VAT, previous balance."""

    label: str
    amount: Decimal
    quantity: Decimal | None = None
    unit: str = ""
    unit_price: Decimal | None = None
    # "vat": `quantity` is the taxed amount in EUR and `unit_price` the rate (0.08 for 8 %).
    code: str = ""


@dataclass(frozen=True)
class BillDocument:
    """Everything a printed bill shows, as plain values.

    `holder_name`, `address` and `masked` come from `ekesco_api.masking.mask_holder`
    (its result has these three fields), so the printed bill is masked exactly as the API is.
    The lines must add up to the total to the cent: a bill that does not is never printed.
    """

    bill_number: str
    customer_code: str
    holder_name: str
    address: str
    masked: bool
    period: str  # YYYY-MM
    issued_on: dt.date
    due_on: dt.date
    meters: tuple[MeterReads, ...]
    lines: tuple[BillLine, ...]
    total: Decimal
    payment_reference: str
    supplier: Supplier = KESCO
    # Every meter of the customer code, read remotely or by hand (`meters` has reads only).
    meter_numbers: tuple[str, ...] = ()
    # What the bill charges, to compare with the reads' differences.
    kwh_high: Decimal | None = None
    kwh_low: Decimal | None = None

    def __post_init__(self) -> None:
        parse_period(self.period)
        added = sum((line.amount for line in self.lines), Decimal(0))
        if added.quantize(CENT) != self.total.quantize(CENT):
            raise ValueError(f"bill {self.bill_number}: lines add up to {added}, not {self.total}")


def render_bill_pdf(bill: BillDocument, *, language: str) -> bytes:
    """The printable bill (one A4 page) in the customer's language ("sq", "en" or "sr")."""
    return drawn_in(language, lambda lang: _draw_bill(bill, lang))


def _draw_bill(bill: BillDocument, lang: str) -> bytes:
    title = _("Electricity bill")
    doc = PdfLayout(language=lang, title=f"{title} {bill.bill_number}", author=bill.supplier.name)
    doc.letterhead(
        bill.supplier,
        title,
        [
            _("Bill no. %(number)s", number=bill.bill_number),
            format_period(bill.period, lang),
        ],
    )

    top = doc.pdf.get_y()
    left = doc.fields(
        [(_("Holder"), bill.holder_name), (_("Address"), bill.address)],
        width=CONTENT_WIDTH * 0.55 - 4,
        top=top,
    )
    numbers = bill.meter_numbers or tuple(reads.meter_number for reads in bill.meters)
    right = doc.fields(
        [
            (_("Customer code"), bill.customer_code),
            (_("Meter") if len(numbers) <= 1 else _("Meters"), ", ".join(numbers) or "–"),
            (_("Period"), format_period(bill.period, lang)),
            (_("Issued on"), format_date(bill.issued_on, lang)),
            (_("Due date"), format_date(bill.due_on, lang)),
        ],
        x=PAGE_MARGIN + CONTENT_WIDTH * 0.55,
        width=CONTENT_WIDTH * 0.45,
        top=top,
    )
    doc.pdf.set_y(max(left, right) + 2)
    if bill.masked:
        doc.note(
            _(
                "Personal data are partly hidden (**) because the name on the eKesco account "
                "does not match the holder's name."
            )
        )

    if bill.meters:
        doc.section(_("Meter reads"))
        doc.table(
            [
                _("Meter"),
                _("Tariff"),
                _("From"),
                _("Previous read"),
                _("To"),
                _("Current read"),
                _("Consumption (kWh)"),
            ],
            _read_rows(bill.meters, lang),
            widths=(24, 30, 20, 24, 20, 24, 28),
            align=("L", "L", "C", "R", "C", "R", "R"),
        )
        if not _reads_match_charges(bill):
            doc.note(
                _(
                    "The bill charges %(high)s kWh at high and %(low)s kWh at low tariff, as "
                    "the supplier's system measured the month: its figures are whole or "
                    "estimated kWh at the month's bounds, so they can differ a little from the "
                    "differences of the reads above.",
                    high=format_quantity(bill.kwh_high or Decimal(0), lang),
                    low=format_quantity(bill.kwh_low or Decimal(0), lang),
                )
            )

    doc.section(_("Charges"))
    doc.table(
        [_("Description"), _("Quantity"), _("Unit"), _("Unit price"), _("Amount")],
        (_charge_row(line, lang) for line in bill.lines),
        widths=(70, 24, 18, 30, 28),
        align=("L", "R", "L", "R", "R"),
    )
    doc.total(_("Total to pay"), format_money(bill.total, lang))

    doc.boxed(
        [
            (_("Customer code"), bill.customer_code),
            (_("Amount"), format_money(bill.total, lang)),
            (_("Pay by"), format_date(bill.due_on, lang)),
        ],
        emphasis=_("Payment reference: %(reference)s", reference=bill.payment_reference),
    )
    doc.note(
        _(
            "Pay in the eKesco app by card, without commission, or at a bank, a post office or "
            "a KESCO cash desk with the payment reference above."
        )
    )
    return doc.finish(bill.supplier.footer())


def _charge_row(line: BillLine, lang: str) -> list[str]:
    if line.code == "vat":
        # A rate on an amount: the taxed amount, and the rate as a rate ("8 %"), not as a price.
        base = "" if line.quantity is None else format_money(line.quantity, lang)
        rate = "" if line.unit_price is None else format_rate(line.unit_price, lang)
        return [line.label, base, "", rate, format_money(line.amount, lang)]
    return [
        line.label,
        "" if line.quantity is None else format_quantity(line.quantity, lang),
        _UNITS[line.unit]() if line.unit in _UNITS else line.unit,
        "" if line.unit_price is None else format_unit_price(line.unit_price, lang),
        format_money(line.amount, lang),
    ]


# Units the bill lines name by code; kWh and EUR read the same in every language.
_UNITS = {"month": lambda: _("month")}


def _reads_match_charges(bill: BillDocument) -> bool:
    """Whether the reads' differences are the kWh the bill charges (or there is nothing to say)."""
    if bill.kwh_high is None or bill.kwh_low is None:
        return True
    high = sum((r.current_high - r.previous_high for r in bill.meters), Decimal(0))
    low = sum(
        (
            r.current_low - r.previous_low
            for r in bill.meters
            if r.current_low is not None and r.previous_low is not None
        ),
        Decimal(0),
    )
    return (high, low) == (bill.kwh_high, bill.kwh_low)


def _read_rows(meters: Sequence[MeterReads], lang: str) -> list[list[str]]:
    rows: list[list[str]] = []
    for reads in meters:
        since = format_date(reads.previous_read_on, lang) if reads.previous_read_on else "–"
        until = format_date(reads.current_read_on, lang) if reads.current_read_on else "–"
        registers = [(_("High tariff"), reads.previous_high, reads.current_high)]
        if reads.previous_low is not None and reads.current_low is not None:
            registers.append((_("Low tariff"), reads.previous_low, reads.current_low))
        for index, (tariff, previous, current) in enumerate(registers):
            rows.append(
                [
                    reads.meter_number if index == 0 else "",
                    tariff,
                    since,
                    format_quantity(previous, lang),
                    until,
                    format_quantity(current, lang),
                    format_quantity(current - previous, lang),
                ]
            )
    return rows
