"""The printed bill: text read back from the PDF, one A4 page, languages, masking, page breaks."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from decimal import Decimal

import pytest
from flask import Flask

from ekesco_api.adapters.pdf_bill import BillDocument, BillLine, MeterReads, render_bill_pdf
from tests.adapters.pdf_samples import ADDRESS, HOLDER, sample_bill
from tests.support.pdf import assert_one_a4_page, read_pdf


@pytest.fixture(autouse=True)
def _app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def _bill(
    name: str = HOLDER,
    address: str = ADDRESS,
    *,
    name_matches_holder: bool = True,
    **changes: object,
) -> BillDocument:
    bill = sample_bill(name, address, name_matches_holder=name_matches_holder)
    return dataclasses.replace(bill, **changes)  # type: ignore[arg-type]


def test_bill_shows_the_holder_the_codes_and_the_total() -> None:
    reader, text = read_pdf(render_bill_pdf(_bill(), language="sq"))
    assert_one_a4_page(reader)
    assert "Shpëtim Gërguri" in text
    assert ADDRESS in text
    assert "DPR 0123456" in text
    assert "12345678" in text
    assert "2026-11-0001234" in text
    assert "9912345678901" in text
    assert "Gjithsej për pagesë 50,02 €" in text
    assert "Nëntor 2026" in text
    assert "20.12.2026" in text


def test_serbian_letters_render_and_read_back() -> None:
    _reader, text = read_pdf(
        render_bill_pdf(_bill("Đorđe Čolić", "Ulica Žička 5, Gračanica"), language="sr")
    )
    assert "Đorđe Čolić" in text
    assert "Ulica Žička 5, Gračanica" in text
    assert "Račun za električnu energiju" in text
    assert "Novembar 2026" in text  # Latin script, not babel's Cyrillic default for "sr"


def test_every_letter_has_a_glyph(caplog: pytest.LogCaptureFixture) -> None:
    name = "Ëmine Çeku-Đurđević Šćepan Žužić ćčšžđ ëç"
    with caplog.at_level(logging.WARNING):
        _reader, text = read_pdf(render_bill_pdf(_bill(name), language="sq"))
    assert name in text
    assert not [r for r in caplog.records if "missing" in r.getMessage()]


def test_fonts_are_embedded() -> None:
    reader, _text = read_pdf(render_bill_pdf(_bill(), language="sq"))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}
    assert names and all("DejaVuSans" in name for name in names)
    for key in fonts:
        descendant = fonts[key].get_object()["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"]


def test_decomposed_letters_print_as_one() -> None:
    _reader, text = read_pdf(render_bill_pdf(_bill("Shpe\u0308tim Ge\u0308rguri"), language="sq"))
    assert "Shpëtim Gërguri" in text


def test_masked_bill_hides_the_name_and_the_address() -> None:
    bill = _bill("Arben Krasniqi", ADDRESS, name_matches_holder=False)
    pdf = render_bill_pdf(bill, language="sq")
    reader, text = read_pdf(pdf)
    assert "Ar** Kr**" in text
    assert "Rr**. Në** Te** **, Da**, Pr**" in text
    for secret in ("Arben", "Krasniqi", "Nëna", "Terezë", "Dardania", "Prishtinë"):
        assert secret not in text
        assert secret.encode() not in pdf
    assert "emri në llogarinë eKesco nuk përputhet" in text
    # Amounts, consumption, codes and numbers stay.
    assert "50,02 €" in text
    assert "546,5" in text
    assert "DPR 0123456" in text
    assert "2026-11-0001234" in text
    title = str((reader.metadata or {}).get("/Title", ""))
    assert "2026-11-0001234" in title
    assert "Arben" not in title


def test_unmasked_bill_has_no_masking_note() -> None:
    _reader, text = read_pdf(render_bill_pdf(_bill(), language="en"))
    assert "partly hidden" not in text
    assert "**" not in text


@pytest.mark.parametrize(
    ("language", "title", "total"),
    [
        ("sq", "Faturë e energjisë elektrike", "Gjithsej për pagesë 50,02 €"),
        ("en", "Electricity bill", "Total to pay €50.02"),
        ("sr", "Račun za električnu energiju", "Ukupno za plaćanje 50,02 €"),
        ("de", "Faturë e energjisë elektrike", "Gjithsej për pagesë 50,02 €"),
    ],
)
def test_bill_is_in_the_customers_language(language: str, title: str, total: str) -> None:
    _reader, text = read_pdf(render_bill_pdf(_bill(), language=language))
    assert title in text
    assert total in text


def test_the_documents_language_wins_over_the_requests(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        _reader, text = read_pdf(render_bill_pdf(_bill(), language="sr"))
    assert "Račun za električnu energiju" in text
    assert "Electricity bill" not in text


def test_reads_and_lines_are_printed() -> None:
    _reader, text = read_pdf(render_bill_pdf(_bill(), language="en"))
    assert "High tariff 31.10.2026 10,234 30.11.2026 10,780.5 546.5" in text
    assert "Low tariff 31.10.2026 5,120 30.11.2026 5,400 280" in text
    assert "Energjia A1/B1 546.5 kWh €0.06763 €36.97" in text
    assert "Borxhi i mëparshëm -€2.00" in text


def test_a_single_tariff_meter_has_no_low_tariff_row() -> None:
    meter = MeterReads("87654321", Decimal("100"), Decimal("350"))
    _reader, text = read_pdf(render_bill_pdf(_bill(meters=(meter,)), language="en"))
    assert "High tariff – 100 – 350 250" in text
    assert "Low tariff" not in text


def _long_bill(meter_count: int, line_count: int) -> BillDocument:
    meters = tuple(
        MeterReads(
            f"MTR{n:05d}", Decimal(1000 * n), Decimal(1000 * n + 321), Decimal(500), Decimal(612)
        )
        for n in range(1, meter_count + 1)
    )
    lines = tuple(
        BillLine(f"Rreshti {n}", Decimal("1.10"), Decimal(n), "kWh", Decimal("0.1"))
        for n in range(line_count)
    )
    address = "Rruga e Dëshmorëve të Kombit 123, Hyrja 4, Banesa 56, Lagjja Arbëria, Prishtinë"
    return _bill(
        "Arben Krasniqi-Berisha",
        address,
        name_matches_holder=False,
        meters=meters,
        lines=lines,
        total=Decimal("1.10") * line_count,
    )


@pytest.mark.parametrize("language", ["sq", "en", "sr"])
def test_a_large_bill_still_fits_on_one_page(language: str) -> None:
    # Two meters and a dozen lines: all energy blocks and tariffs, fees, VAT, corrections.
    reader, text = read_pdf(render_bill_pdf(_long_bill(2, 12), language=language))
    assert_one_a4_page(reader)
    assert "MTR00001, MTR00002" in text
    assert "Rreshti 11" in text
    assert "9912345678901" in text


def test_an_oversized_bill_goes_on_to_a_second_page_without_splitting_blocks() -> None:
    reader, _text = read_pdf(render_bill_pdf(_long_bill(3, 30), language="sq"))
    assert len(reader.pages) == 2
    first, second = (" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Rreshti 0" in first
    assert "Referenca e pagesës: 9912345678901" in second
    assert "Shifra e konsumatorit DPR 0123456" in second  # the payment box stays whole
    assert "Shtypur nga aplikacioni eKesco." in second


def test_a_bill_whose_lines_do_not_add_up_is_refused() -> None:
    with pytest.raises(ValueError, match="add up"):
        _bill(total=Decimal("50.03"))


def test_a_bill_needs_a_real_period() -> None:
    with pytest.raises(ValueError):
        _bill(period="2026-13")
    for period in ("11/2026", "+026-11", "2026-1", "2026-11-01"):
        with pytest.raises(ValueError):
            _bill(period=period)


def test_vat_is_printed_as_a_rate_on_the_taxed_amount() -> None:
    vat = BillLine("TVSH 8%", Decimal("3.85"), Decimal("48.17"), "EUR", Decimal("0.08"), "vat")
    bill = _bill(lines=(*_bill().lines[:3], vat, _bill().lines[4]))
    _reader, text = read_pdf(render_bill_pdf(bill, language="sq"))
    assert "48,17 €" in text
    assert "8 %" in text.replace("\xa0", " ")
    assert "0,08 €" not in text


@pytest.mark.parametrize(("language", "month"), [("sq", "muaj"), ("sr", "mesec"), ("en", "month")])
def test_a_unit_given_by_code_is_translated(language: str, month: str) -> None:
    fee = BillLine("Fee", Decimal("1.74"), Decimal("1"), "month", Decimal("1.74"))
    bill = _bill(lines=(*_bill().lines[:2], fee, *_bill().lines[3:]))
    _reader, text = read_pdf(render_bill_pdf(bill, language=language))
    assert f" {month} " in text


def test_a_manual_meters_bill_names_its_meter() -> None:
    bill = _bill(meters=(), meter_numbers=("KS-0099882",))
    _reader, text = read_pdf(render_bill_pdf(bill, language="en"))
    assert "Meter KS-0099882" in text


def test_reads_that_differ_from_the_charged_kwh_are_explained() -> None:
    reads = _bill().meters[0]
    high = reads.current_high - reads.previous_high
    low = (reads.current_low or Decimal(0)) - (reads.previous_low or Decimal(0))
    agreeing = _bill(kwh_high=high, kwh_low=low)
    _reader, text = read_pdf(render_bill_pdf(agreeing, language="en"))
    assert "can differ a little" not in text
    rounded = _bill(kwh_high=high.to_integral_value(), kwh_low=low + 1)
    _reader, text = read_pdf(render_bill_pdf(rounded, language="en"))
    assert "can differ a little" in " ".join(text.split())
