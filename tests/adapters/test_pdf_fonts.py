"""Fonts parsed once per process: no parse on a warm render, one per font under a cold race, and
PDFs byte for byte the same as with fpdf2's own add_font."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from fpdf import FPDF
from fpdf.fonts import TTFFont
from pypdf import PdfReader

from ekesco_api.adapters import pdf_fonts
from ekesco_api.adapters.pdf_bill import BillDocument, render_bill_pdf
from ekesco_api.adapters.pdf_fonts import add_font, parsed_font
from ekesco_api.adapters.pdf_receipt import render_receipt_pdf
from ekesco_api.fonts import SANS_BOLD, SANS_REGULAR
from tests.adapters.pdf_samples import sample_bill, sample_receipt
from tests.concurrency import run_at_once

NAME = "Ëmine Çeku-Đurđević"


@pytest.fixture(autouse=True)
def _app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def font_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The fonts fpdf2 parses from now on (each TTFFont it builds), by file name."""
    parses: list[str] = []
    parse = TTFFont.__init__

    def counted(self: TTFFont, fpdf: FPDF, path: object, *args: object, **kwargs: object) -> None:
        parses.append(str(path).rsplit("/", 1)[-1])
        parse(self, fpdf, path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(TTFFont, "__init__", counted)
    return parses


def _bill(name: str = NAME) -> BillDocument:
    return sample_bill(name, "Ulica Žička 5, Gračanica")


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_warm_render_parses_no_font(font_parses: list[str]) -> None:
    render_bill_pdf(_bill(), language="sq")  # the fonts may not have been parsed yet
    before = parsed_font.cache_info()
    font_parses.clear()

    bill = render_bill_pdf(_bill(), language="sr")
    receipt = render_receipt_pdf(sample_receipt(), language="en")

    after = parsed_font.cache_info()
    assert font_parses == []
    assert after.misses == before.misses
    assert after.hits == before.hits + 4  # regular and bold, for each document
    assert NAME in _text(bill)
    assert "Payment receipt" in _text(receipt)


def test_threads_racing_to_the_first_render_parse_each_font_once(
    app: Flask, font_parses: list[str]
) -> None:
    parsed_font.cache_clear()
    threads = 6

    def render(index: int) -> str:
        with app.app_context():
            return _text(render_bill_pdf(_bill(f"{NAME} {index}"), language="sq"))

    # A render that raised fails the test here: run_at_once raises it.
    texts = run_at_once(threads, render, timeout=60)

    assert sorted(font_parses) == sorted([SANS_REGULAR.name, SANS_BOLD.name])
    assert parsed_font.cache_info().misses == 2
    assert len(texts) == threads
    for index in range(threads):
        assert sum(f"{NAME} {index}" in text for text in texts) == 1


def _document(add: Callable[[FPDF, str, str], None], text: str) -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC))
    add(pdf, "", str(SANS_REGULAR))
    add(pdf, "B", str(SANS_BOLD))
    pdf.add_page()
    pdf.set_font("DejaVuSans", "", 11)
    pdf.multi_cell(0, 6, text)
    pdf.set_font("DejaVuSans", "B", 14)
    pdf.cell(0, 8, text.upper())
    return bytes(pdf.output())


def _fpdf2s_own(pdf: FPDF, style: str, path: str) -> None:
    pdf.add_font("DejaVuSans", style, path)


def _shared(pdf: FPDF, style: str, path: str) -> None:
    add_font(pdf, "DejaVuSans", style, Path(path))


@pytest.mark.parametrize(
    "text",
    [
        "Shpëtim Gërguri, Rr. Nëna Terezë 12, Prishtinë: 1 234,50 €",
        "Đorđe Čolić, Ulica Žička 5, Gračanica – ćčšžđ ĆČŠŽĐ ëç ËÇ • №",
    ],
)
def test_shared_fonts_write_the_same_bytes_as_fpdf2s_own_add_font(text: str) -> None:
    _document(_shared, "Another document first, with other letters: ÆØÅ ß ø œ")
    assert _document(_shared, text) == _document(_fpdf2s_own, text)


def test_every_attribute_of_fpdf2s_font_is_either_shared_or_per_document() -> None:
    split = pdf_fonts._SHARED | pdf_fonts._PER_DOCUMENT
    assert set(TTFFont.__slots__) == split
    assert not pdf_fonts._SHARED & pdf_fonts._PER_DOCUMENT
