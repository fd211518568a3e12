"""The page every printed document shares: A4, our fonts, letterhead, fields, tables, footer.

Documents are built from plain values, so the renderer knows nothing of the database; the bills
and payments services fill them in. `PdfLayout` holds what every document shares (the page,
the fonts, the letterhead, label/value blocks, tables, totals, notes and the footer), so that a
new document is a short function on top of it (`pdf_bill`, `pdf_receipt`).

Text is drawn with the DejaVu Sans shipped in `ekesco_api/fonts`, which has every Albanian and
Serbian letter. Rendering needs a Flask application context (for the translations).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from ekesco_api.adapters.pdf_fonts import add_font
from ekesco_api.fonts import SANS_BOLD, SANS_REGULAR
from ekesco_api.formatting import known_language
from ekesco_api.i18n import _
from ekesco_api.i18n import language as in_language

# fpdf2 subsets the fonts with fontTools, which logs some forty INFO lines for every document.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

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


def _text(value: str) -> str:
    """NFC, so that a letter and its combining mark print as the font's one precomposed glyph."""
    return unicodedata.normalize("NFC", value)


@dataclass(frozen=True)
class Supplier:
    """Who issues the document: its name and details head the first page and close the last."""

    name: str
    details: tuple[str, ...] = ()

    def footer(self) -> str:
        """The line at the foot of the last page: the supplier, its details, where it came from."""
        return " · ".join([self.name, *self.details, _("Printed from the eKesco app.")])


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
        self.language = known_language(language)
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


def drawn_in(language: str, draw: Callable[[str], bytes]) -> bytes:
    """`draw(lang)` with every text in `language` (one we have, Albanian otherwise)."""
    lang = known_language(language)
    with in_language(lang):
        return draw(lang)
