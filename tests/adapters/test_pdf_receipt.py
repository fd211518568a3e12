"""The printed payment receipt: amount, local time, bank reference and codes read back."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from flask import Flask

from ekesco_api.adapters.pdf_receipt import ReceiptDocument, ReceiptItem, render_receipt_pdf
from tests.adapters.pdf_samples import sample_receipt
from tests.support.pdf import assert_one_a4_page, read_pdf


@pytest.fixture(autouse=True)
def _app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def _receipt(**changes: object) -> ReceiptDocument:
    return dataclasses.replace(sample_receipt(), **changes)  # type: ignore[arg-type]


def test_receipt_shows_amount_date_bank_reference_and_codes() -> None:
    reader, text = read_pdf(render_receipt_pdf(_receipt(), language="sq"))
    assert_one_a4_page(reader)
    assert "Dëshmi e pagesës" in text
    assert "P-000123" in text
    assert "Shuma e paguar 57,30 €" in text
    assert "Provizioni 0,00 €" in text
    assert "BKT-2026-998877" in text
    assert "DPR 0123456, DPZ 7654321" in text
    assert "22.11.2026 11:00" in text  # 10:00 UTC is 11:00 in Prishtina in November
    assert "Visa •••• 4242" in text


def test_receipt_in_english_and_serbian() -> None:
    _reader, text = read_pdf(render_receipt_pdf(_receipt(), language="en"))
    assert "Commission €0.00" in text
    assert "Total paid €57.30" in text
    _reader, text = read_pdf(render_receipt_pdf(_receipt(), language="sr"))
    assert "Potvrda o plaćanju" in text
    assert "Provizija 0,00 €" in text


def test_receipt_for_one_code_in_summer_time() -> None:
    receipt = _receipt(
        paid_at=dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC),
        amount=Decimal("12.30"),
        items=(ReceiptItem("DGJ 0001", Decimal("12.30")),),
        payment_method=None,
    )
    _reader, text = read_pdf(render_receipt_pdf(receipt, language="en"))
    assert "01.07.2026 12:00" in text
    assert "Customer code DGJ 0001" in text
    assert "Paid with" not in text


def test_receipt_refuses_a_naive_time_and_items_that_do_not_add_up() -> None:
    with pytest.raises(ValueError, match="timezone"):
        _receipt(paid_at=dt.datetime(2026, 11, 22, 10, 0))
    with pytest.raises(ValueError, match="add up"):
        _receipt(amount=Decimal("57.31"))
    with pytest.raises(ValueError, match="no customer code"):
        _receipt(items=())
