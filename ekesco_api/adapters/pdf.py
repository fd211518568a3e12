"""Printable documents (the monthly bill, the payment receipt): one A4 page each, drawn by fpdf2.

The documents are built from plain values (`BillDocument`, `ReceiptDocument`), so the renderer
knows nothing of the database; the bills and payments services fill them in. `PdfLayout` holds
what every document shares (the page, the fonts, the letterhead, label/value blocks, tables,
totals, notes and the footer), so that a new document is a short function on top of it.

Labels are English msgids translated with `_` in the customer's language (sq, en, sr: Latin
script); numbers and dates follow that language's conventions (babel). Text is drawn with the
DejaVu Sans shipped in `ekesco_api/fonts`, which has every Albanian and Serbian letter.
Rendering needs a Flask application context (for the translations).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from ekesco_api.adapters.pdf_fonts import add_font
from ekesco_api.clock import ZONE
from ekesco_api.fonts import SANS_BOLD, SANS_REGULAR
from ekesco_api.i18n import LANGUAGES, _
from ekesco_api.i18n import language as in_language

# fpdf2 subsets the fonts with fontTools, which logs some forty INFO lines for every document.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

CURRENCY = "EUR"
CENT = Decimal("0.01")
_PERIOD = re.compile(r"[0-9]{4}-[0-9]{2}")

# Serbian is written in Latin script here; babel's plain "sr" is Cyrillic.
_BABEL_LOCALES = {"sq": "sq", "en": "en", "sr": "sr_Latn"}

# Geometry, in millimetres on an A4 portrait page (210 × 297).
PAGE_MARGIN = 15.0
CONTENT_WIDTH = 210.0 - 2 * PAGE_MARGIN
_FOOTER_HEIGHT = 12.0
_FIELD_LINE = 5.5
_GREY = (110, 110, 110)
_RULE = (200, 200, 200)
_HEADING_FILL = (235, 239, 244)
_ACCENT = (0, 82, 147)

Alignment = Literal["L", "C", "R"]


# --- Formatting ------------------------------------------------------------------------------


def document_language(code: str | None) -> str:
    """One of our languages: the given one when we have it, Albanian otherwise."""
    return code if code in LANGUAGES else "sq"


def _locale(language: str) -> str:
    return _BABEL_LOCALES[document_language(language)]


def format_money(amount: Decimal, language: str) -> str:
    """An amount in euro with two places, as the language writes it: "1 234,50 €", "€1,234.50"."""
    return format_currency(
        amount.quantize(CENT, rounding=ROUND_HALF_UP), CURRENCY, locale=_locale(language)
    )


def format_unit_price(price: Decimal, language: str) -> str:
    """A tariff price: two to five places, since energy is priced in fractions of a cent."""
    locale = _locale(language)
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace("0.00", "0.00###")
    value = price.quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)
    return format_currency(value, CURRENCY, format=pattern, currency_digits=False, locale=locale)


def format_quantity(quantity: Decimal, language: str) -> str:
    """A quantity or a meter read: no trailing zeros, up to three places ("1 234", "12,5")."""
    return format_decimal(quantity, format="#,##0.###", locale=_locale(language))


def format_date(day: dt.date, language: str) -> str:
    """A calendar date as dd.mm.yyyy, which all three languages read the same way."""
    return babel_format_date(day, "dd.MM.yyyy", locale=_locale(language))


def format_period(period: str, language: str) -> str:
    """A billing period "YYYY-MM" as its month and year in the language ("Nëntor 2026")."""
    month = babel_format_date(parse_period(period), "LLLL yyyy", locale=_locale(language))
    return month[:1].upper() + month[1:]


def format_local_datetime(moment: dt.datetime, language: str) -> str:
    """A UTC time as the customer's clock showed it (Europe/Belgrade): "22.11.2026 11:00"."""
    local = moment.astimezone(ZONE)
    return f"{format_date(local.date(), language)} {local:%H:%M}"


def parse_period(period: str) -> dt.date:
    """The first day of a "YYYY-MM" period; ValueError when it is not one."""
    if not _PERIOD.fullmatch(period):
        raise ValueError(f"not a YYYY-MM period: {period!r}")
    return dt.date(int(period[:4]), int(period[5:]), 1)


def _text(value: str) -> str:
    """NFC, so that a letter and its combining mark print as the font's one precomposed glyph."""
    return unicodedata.normalize("NFC", value)


# --- The shared layout -----------------------------------------------------------------------


@dataclass(frozen=True)
class Supplier:
    """Who issues the document: its name and details head the first page and close the last."""

    name: str
    details: tuple[str, ...] = ()


KESCO = Supplier(
    name="KESCO",
    details=("Kompania Kosovare për Furnizim me Energji Elektrike",),
)


class PdfLayout:
    """One A4 portrait document with our fonts and the building blocks every document uses.

    Blocks are drawn top to bottom from the cursor; `finish()` adds the footer and returns the
    PDF. Texts given to it must already be in the document's language.
    """

    FONT = "DejaVuSans"

    def __init__(self, *, language: str, title: str, author: str) -> None:
        self.language = document_language(language)
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        # Parsed once per process: fpdf2's own add_font would parse both files for every PDF.
        add_font(pdf, self.FONT, "", SANS_REGULAR)
        add_font(pdf, self.FONT, "B", SANS_BOLD)
        pdf.set_margins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
        pdf.set_auto_page_break(auto=True, margin=PAGE_MARGIN + _FOOTER_HEIGHT)
        # Metadata stays free of personal data: a masked bill must not leak the name there.
        pdf.set_title(_text(title))
        pdf.set_author(_text(author))
        pdf.set_creator("eKesco")
        pdf.set_lang(self.language)
        pdf.add_page()
        self.pdf = pdf
        self._font()

    def _font(self, size: float = 10, *, bold: bool = False, colour: tuple[int, ...] = ()) -> None:
        self.pdf.set_font(self.FONT, "B" if bold else "", size)
        self.pdf.set_text_color(*(colour or (0, 0, 0)))

    def letterhead(self, supplier: Supplier, title: str, references: Sequence[str]) -> None:
        """The supplier on the left, the document's title and references (number, period) right."""
        pdf = self.pdf
        top = pdf.get_y()
        half = CONTENT_WIDTH / 2
        self._font(20, bold=True, colour=_ACCENT)
        pdf.cell(half, 10, _text(supplier.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._font(8, colour=_GREY)
        for line in supplier.details:
            pdf.multi_cell(half, 4, _text(line), align=Align.L, new_x=XPos.LMARGIN)
        left_bottom = pdf.get_y()
        pdf.set_xy(PAGE_MARGIN + half, top)
        self._font(15, bold=True)
        pdf.cell(half, 10, _text(title), align=Align.R, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self._font(9)
        for line in references:
            pdf.cell(half, 5, _text(line), align=Align.R, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_y(max(left_bottom, pdf.get_y()) + 2)
        self.rule()

    def rule(self, gap: float = 4) -> None:
        """A thin horizontal line across the page, with a gap after it."""
        pdf = self.pdf
        pdf.set_draw_color(*_RULE)
        pdf.set_line_width(0.3)
        pdf.line(PAGE_MARGIN, pdf.get_y(), PAGE_MARGIN + CONTENT_WIDTH, pdf.get_y())
        pdf.ln(gap)

    def section(self, title: str) -> None:
        """A small bold heading over the block that follows (never alone at the foot of a page)."""
        self.keep_together(2 + 6 + 20)
        self.pdf.ln(2)
        self._font(10, bold=True, colour=_ACCENT)
        self.pdf.cell(CONTENT_WIDTH, 6, _text(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._font()

    def keep_together(self, height: float) -> None:
        """Start a new page unless a block of this height fits on the current one."""
        if self.pdf.will_page_break(height):
            self.pdf.add_page()

    def fields(
        self,
        rows: Iterable[tuple[str, str]],
        *,
        x: float = PAGE_MARGIN,
        width: float = CONTENT_WIDTH,
        top: float | None = None,
    ) -> float:
        """Label/value lines, the values aligned after the longest label and wrapping; returns
        the y below the block. Give `x`, `width` and `top` to set two blocks side by side.
        """
        pdf = self.pdf
        pairs, label_width = self._field_layout(rows, width)
        pdf.set_y(pdf.get_y() if top is None else top)
        for label, value in pairs:
            pdf.set_x(x)
            y = pdf.get_y()
            self._font(9, colour=_GREY)
            pdf.multi_cell(label_width, _FIELD_LINE, label, align=Align.L)
            label_bottom = pdf.get_y()
            pdf.set_xy(x + label_width, y)
            self._font(10)
            pdf.multi_cell(width - label_width, _FIELD_LINE, value, align=Align.L)
            pdf.set_y(max(label_bottom, pdf.get_y()))
        return pdf.get_y()

    def fields_height(self, rows: Iterable[tuple[str, str]], *, width: float) -> float:
        """How tall `fields` would draw these rows."""
        pairs, label_width = self._field_layout(rows, width)
        height = 0.0
        for label, value in pairs:
            self._font(9)
            lines = self._line_count(label, label_width)
            self._font(10)
            height += max(lines, self._line_count(value, width - label_width)) * _FIELD_LINE
        return height

    def _line_count(self, text: str, width: float) -> int:
        """How many lines `multi_cell` would wrap this text into, in the current font."""
        lines = self.pdf.multi_cell(width, text=text, dry_run=True, output="LINES")
        assert isinstance(lines, list)
        return len(lines)

    def _field_layout(
        self, rows: Iterable[tuple[str, str]], width: float
    ) -> tuple[list[tuple[str, str]], float]:
        pairs = [(_text(label), _text(value)) for label, value in rows]
        self._font(9)
        longest = max((self.pdf.get_string_width(label) for label, _value in pairs), default=0)
        return pairs, min(longest + 3, width * 0.45)

    def table(
        self,
        headings: Sequence[str],
        rows: Iterable[Sequence[str]],
        *,
        widths: Sequence[float],
        align: Sequence[Alignment],
    ) -> None:
        """A ruled table with a shaded heading row; `widths` are relative, `align` per column."""
        pdf = self.pdf
        self._font(9)
        heading_style = FontFace(family=self.FONT, emphasis="BOLD", fill_color=_HEADING_FILL)
        pdf.set_draw_color(*_RULE)
        pdf.set_line_width(0.2)
        with pdf.table(
            width=CONTENT_WIDTH,
            col_widths=tuple(widths),
            headings_style=heading_style,
            borders_layout="HORIZONTAL_LINES",
            line_height=4.4,
            padding=(0.9, 1.5),
            align=Align.L,
        ) as table:
            heading = table.row()
            for text, side in zip(headings, align, strict=True):
                heading.cell(_text(text), align=side)
            for values in rows:
                row = table.row()
                for text, side in zip(values, align, strict=True):
                    row.cell(_text(text), align=side)
        self.pdf.ln(1)

    def total(self, label: str, value: str) -> None:
        """The bold "total" line under a table, its value flush right."""
        pdf = self.pdf
        self.keep_together(9)
        self._font(12, bold=True)
        pdf.cell(CONTENT_WIDTH * 0.7, 8, _text(label), align=Align.R)
        pdf.cell(CONTENT_WIDTH * 0.3, 8, _text(value), align=Align.R)
        pdf.ln(9)
        self._font()

    def boxed(self, rows: Iterable[tuple[str, str]], *, emphasis: str | None = None) -> None:
        """A framed block (how to pay): label/value lines under an optional large first line."""
        pdf = self.pdf
        rows = list(rows)
        inner = CONTENT_WIDTH - 6
        height = 2 + (8 if emphasis is not None else 0) + self.fields_height(rows, width=inner) + 2
        self.keep_together(height)
        top = pdf.get_y()
        pdf.ln(2)
        if emphasis is not None:
            pdf.set_x(PAGE_MARGIN + 3)
            self._font(14, bold=True)
            pdf.cell(CONTENT_WIDTH - 6, 8, _text(emphasis), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        bottom = self.fields(rows, x=PAGE_MARGIN + 3, width=inner)
        pdf.set_draw_color(*_ACCENT)
        pdf.set_line_width(0.4)
        pdf.rect(PAGE_MARGIN, top, CONTENT_WIDTH, bottom - top + 2)
        pdf.set_y(bottom + 4)

    def note(self, text: str) -> None:
        """A small paragraph in grey: explanations, hints, the reason for masking."""
        self._font(8.5, colour=_GREY)
        self.keep_together(self._line_count(_text(text), CONTENT_WIDTH) * 4.5)
        self.pdf.multi_cell(CONTENT_WIDTH, 4.5, _text(text), align=Align.L, new_x=XPos.LMARGIN)
        self.pdf.ln(1)
        self._font()

    def finish(self, footer: str) -> bytes:
        """Draw the footer at the bottom of the last page and return the PDF file."""
        pdf = self.pdf
        pdf.set_auto_page_break(auto=False)
        pdf.set_y(-(PAGE_MARGIN + _FOOTER_HEIGHT) + 4)
        self.rule(gap=1.5)
        self._font(7.5, colour=_GREY)
        pdf.multi_cell(CONTENT_WIDTH, 3.8, _text(footer), align=Align.C, new_x=XPos.LMARGIN)
        return bytes(pdf.output())


# --- The monthly bill ------------------------------------------------------------------------


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

    def __post_init__(self) -> None:
        parse_period(self.period)
        added = sum((line.amount for line in self.lines), Decimal(0))
        if added.quantize(CENT) != self.total.quantize(CENT):
            raise ValueError(f"bill {self.bill_number}: lines add up to {added}, not {self.total}")


def render_bill_pdf(bill: BillDocument, *, language: str) -> bytes:
    """The printable bill (one A4 page) in the customer's language ("sq", "en" or "sr")."""
    language = document_language(language)
    with in_language(language):
        return _draw_bill(bill, language)


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
    meters = ", ".join(reads.meter_number for reads in bill.meters) or "–"
    right = doc.fields(
        [
            (_("Customer code"), bill.customer_code),
            (_("Meter") if len(bill.meters) <= 1 else _("Meters"), meters),
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

    doc.section(_("Charges"))
    doc.table(
        [_("Description"), _("Quantity"), _("Unit"), _("Unit price"), _("Amount")],
        (
            [
                line.label,
                "" if line.quantity is None else format_quantity(line.quantity, lang),
                line.unit,
                "" if line.unit_price is None else format_unit_price(line.unit_price, lang),
                format_money(line.amount, lang),
            ]
            for line in bill.lines
        ),
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
    return doc.finish(_footer(bill.supplier))


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


def _footer(supplier: Supplier) -> str:
    return " · ".join([supplier.name, *supplier.details, _("Printed from the eKesco app.")])


# --- The payment receipt ---------------------------------------------------------------------


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
    language = document_language(language)
    with in_language(language):
        return _draw_receipt(receipt, language)


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
    return doc.finish(_footer(receipt.supplier))
