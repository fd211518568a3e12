"""Reading a rendered PDF back in the tests: its text, its pages and their size."""

from __future__ import annotations

import io
import unicodedata

import pytest
from pypdf import PdfReader

A4_POINTS = (595.28, 841.89)


def read_pdf(pdf: bytes) -> tuple[PdfReader, str]:
    """The parsed PDF and its text, whitespace (also no-break spaces) collapsed to one space."""
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(unicodedata.normalize("NFC", text).split())


def assert_one_a4_page(reader: PdfReader) -> None:
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A4_POINTS[0], abs=0.5)
    assert float(box.height) == pytest.approx(A4_POINTS[1], abs=0.5)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as `read_pdf` reads it."""
    return read_pdf(pdf)[1]
