"""The bill engine (pure, no database): blocks, VAT, rounding, and which tariff prices a period."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from flask import Flask

from ekesco_api.i18n import language
from ekesco_api.tariffs.engine import BillLines, bill_from_tariff, select_tariff, split_blocks
from ekesco_api.tariffs.errors import TariffNotFound
from ekesco_api.tariffs.models import Tariff
from ekesco_api.tariffs.service import compute_bill

D = Decimal


def household(**overrides: object) -> Tariff:
    """The household tariff in force since 1 May 2025, as a row outside any session."""
    values: dict[str, object] = {
        "category": "household",
        "valid_from": dt.date(2025, 5, 1),
        "valid_to": None,
        "price_high": D("0.09050"),
        "price_low": D("0.03880"),
        "block_kwh": D("800"),
        "price_high_above": D("0.15430"),
        "price_low_above": D("0.07280"),
        "fixed_fee": D("2.32"),
        "vat_percent": D("8"),
        "decision_number": "test",
        "decision_date": dt.date(2025, 4, 16),
        "decision_title": "test",
    }
    values.update(overrides)
    return Tariff(**values)


def commercial(**overrides: object) -> Tariff:
    values: dict[str, object] = {
        "category": "commercial",
        "price_high": D("0.12348"),
        "price_low": D("0.06174"),
        "block_kwh": None,
        "price_high_above": None,
        "price_low_above": None,
        "fixed_fee": D("4.69"),
    }
    values.update(overrides)
    return household(**values)


def amounts(bill: BillLines) -> dict[str, Decimal]:
    return {line.code: line.amount for line in bill.lines}


def quantities(bill: BillLines) -> dict[str, Decimal | None]:
    return {line.code: line.quantity for line in bill.lines}


# --- The engine -------------------------------------------------------------------------------


def test_household_under_800_kwh_stays_in_block_one() -> None:
    bill = bill_from_tariff(household(), kwh_high=D("300"), kwh_low=D("200"))
    assert [line.code for line in bill.lines] == [
        "A1/B1",
        "A2/B1",
        "A1/B2",
        "A2/B2",
        "fixed_fee",
        "vat",
        "previous_balance",
    ]
    assert quantities(bill)["A1/B2"] == quantities(bill)["A2/B2"] == 0
    assert amounts(bill) == {
        "A1/B1": D("27.15"),  # 300 x 0.0905
        "A2/B1": D("7.76"),  # 200 x 0.0388
        "A1/B2": D("0.00"),
        "A2/B2": D("0.00"),
        "fixed_fee": D("2.32"),
        "vat": D("2.98"),  # 8 % of 37.23 = 2.9784
        "previous_balance": D("0.00"),
    }
    assert bill.energy_amount == D("34.91")
    assert bill.total == D("40.21")


def test_household_exactly_800_kwh_is_all_block_one() -> None:
    bill = bill_from_tariff(household(), kwh_high=D("480"), kwh_low=D("320"))
    assert quantities(bill)["A1/B1"] == D("480")
    assert quantities(bill)["A2/B1"] == D("320")
    assert amounts(bill)["A1/B2"] == amounts(bill)["A2/B2"] == D("0.00")
    assert amounts(bill)["A1/B1"] == D("43.44")
    assert amounts(bill)["A2/B1"] == D("12.42")  # 12.416
    assert amounts(bill)["vat"] == D("4.65")  # 8 % of 58.18 = 4.6544
    assert bill.total == D("62.83")


def test_household_above_800_splits_each_block_in_the_months_proportion() -> None:
    bill = bill_from_tariff(household(), kwh_high=D("720"), kwh_low=D("480"))  # 1200 kWh, 60/40
    assert quantities(bill)["A1/B1"] == D("480")
    assert quantities(bill)["A2/B1"] == D("320")
    assert quantities(bill)["A1/B2"] == D("240")
    assert quantities(bill)["A2/B2"] == D("160")
    assert amounts(bill) == {
        "A1/B1": D("43.44"),
        "A2/B1": D("12.42"),
        "A1/B2": D("37.03"),  # 240 x 0.1543 = 37.032
        "A2/B2": D("11.65"),  # 160 x 0.0728 = 11.648
        "fixed_fee": D("2.32"),
        "vat": D("8.55"),  # 8 % of 106.86 = 8.5488
        "previous_balance": D("0.00"),
    }
    assert bill.total == D("115.41")
    assert {line.code: line.unit_price for line in bill.lines}["A1/B2"] == D("0.15430")


def test_block_split_keeps_every_kwh_when_the_ratio_does_not_divide() -> None:
    parts = split_blocks(D("700"), D("301"), D("800"))
    assert parts.block1_high == D("559.441")  # 800 x 700 / 1001 = 559.4405...
    assert parts.block1_low == D("240.559")
    assert parts.block1_high + parts.block1_low == D("800")
    assert parts.block2_high + parts.block1_high == D("700")
    assert parts.block2_low + parts.block1_low == D("301")


def test_block_split_just_above_the_limit_never_goes_negative() -> None:
    for high, low in [("800.001", "0"), ("0", "800.001"), ("799.999", "0.002"), ("0.001", "800")]:
        parts = split_blocks(D(high), D(low), D("800"))
        assert min(parts.block1_high, parts.block1_low, parts.block2_high, parts.block2_low) >= 0
        assert parts.block1_high + parts.block1_low == D("800")
        assert parts.block1_high + parts.block2_high == D(high)
        assert parts.block1_low + parts.block2_low == D(low)


def test_commercial_has_no_blocks() -> None:
    bill = bill_from_tariff(commercial(), kwh_high=D("1500"), kwh_low=D("900"))
    assert [line.code for line in bill.lines] == [
        "A1",
        "A2",
        "fixed_fee",
        "vat",
        "previous_balance",
    ]
    assert amounts(bill)["A1"] == D("185.22")  # 1500 x 0.12348
    assert amounts(bill)["A2"] == D("55.57")  # 900 x 0.06174 = 55.566
    assert amounts(bill)["vat"] == D("19.64")  # 8 % of 245.48 = 19.6384
    assert bill.total == D("265.12")


def test_vat_is_eight_percent_of_energy_and_fee_but_not_of_the_previous_balance() -> None:
    bill = bill_from_tariff(
        household(), kwh_high=D("250"), kwh_low=D("150"), previous_balance=D("15.40")
    )
    vat = next(line for line in bill.lines if line.code == "vat")
    assert vat.unit_price == D("0.08")
    assert vat.quantity == bill.energy_amount + bill.fixed_fee
    assert vat.amount == (vat.quantity * D("0.08")).quantize(D("0.01"))
    assert bill.previous_balance == D("15.40")
    assert bill.total == bill.energy_amount + bill.fixed_fee + bill.vat_amount + D("15.40")


def test_line_amounts_round_half_up_to_the_cent() -> None:
    tariff = commercial(price_high=D("0.03125"), price_low=D("0.01005"), fixed_fee=D("0"))
    bill = bill_from_tariff(tariff, kwh_high=D("100"), kwh_low=D("1"))
    assert amounts(bill)["A1"] == D("3.13")  # 3.125: half up, not to even
    assert amounts(bill)["A2"] == D("0.01")  # 0.01005


def test_total_is_the_sum_of_the_lines_to_the_cent() -> None:
    rng = random.Random(20260329)
    for _ in range(500):
        tariff = household() if rng.random() < 0.7 else commercial()
        high = D(rng.randrange(0, 3_000_000)) / 1000
        low = D(rng.randrange(0, 2_000_000)) / 1000
        balance = D(rng.randrange(-5000, 20000)) / 100
        bill = bill_from_tariff(tariff, kwh_high=high, kwh_low=low, previous_balance=balance)
        assert bill.total == sum(line.amount for line in bill.lines)
        assert all(line.amount == line.amount.quantize(D("0.01")) for line in bill.lines)
        energy_kwh = sum(line.quantity or 0 for line in bill.lines if line.unit == "kWh")
        assert energy_kwh == high + low


def test_bad_reads_are_refused() -> None:
    with pytest.raises(ValueError):
        bill_from_tariff(household(), kwh_high=D("-1"), kwh_low=D("0"))
    with pytest.raises(ValueError):
        bill_from_tariff(household(), kwh_high=D("NaN"), kwh_low=D("0"))
    with pytest.raises(ValueError):
        bill_from_tariff(household(), kwh_high=D("1"), kwh_low=D("1"), previous_balance=D("Inf"))


def test_labels_are_translated_when_rendered(app: Flask) -> None:
    bill = bill_from_tariff(household(), kwh_high=D("1"), kwh_low=D("1"))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(bill.lines[0].label) == "Energy, high tariff, first 800 kWh"
        assert str(bill.lines[5].label) == "VAT 8%"
        with language("sq"):
            assert str(bill.lines[0].label) != "Energy, high tariff, first 800 kWh"


# --- Which tariff prices a period --------------------------------------------------------------


def test_a_period_is_priced_by_the_tariff_in_force_on_its_first_day() -> None:
    old = household(
        valid_from=dt.date(2024, 4, 1), valid_to=dt.date(2025, 4, 30), price_high=D("0.07790")
    )
    new = household()
    rows = [old, new, commercial()]
    april = compute_bill(
        rows, category="household", period_start=dt.date(2025, 4, 15), kwh_high=D(100), kwh_low=D(0)
    )
    assert april.tariff is old  # spans into May, still the April tariff
    may = compute_bill(
        rows, category="household", period_start=dt.date(2025, 5, 1), kwh_high=D(100), kwh_low=D(0)
    )
    assert may.tariff is new
    assert select_tariff(rows, category="commercial", on=dt.date(2030, 1, 1)).category == (
        "commercial"
    )
    with pytest.raises(TariffNotFound):
        compute_bill(
            rows,
            category="household",
            period_start=dt.date(2024, 3, 31),
            kwh_high=D(1),
            kwh_low=D(1),
        )
    with pytest.raises(ValueError):
        compute_bill(
            rows, category="industrial", period_start=dt.date(2025, 5, 1), kwh_high=1, kwh_low=1
        )
