"""Amounts, prices, quantities, periods and local times as sq, en and sr write them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ekesco_api.formatting import (
    format_local_datetime,
    format_money,
    format_period,
    format_quantity,
    format_unit_price,
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("sq", "1 234,50 €"), ("en", "€1,234.50"), ("sr", "1.234,50 €")],
)
def test_money_has_two_places_and_the_euro_sign(language: str, expected: str) -> None:
    assert " ".join(format_money(Decimal("1234.5"), language).split()) == expected


def test_money_rounds_half_up_to_the_cent() -> None:
    assert format_money(Decimal("0.005"), "en") == "€0.01"
    assert format_money(Decimal("2.675"), "en") == "€2.68"


def test_unit_prices_keep_their_fractions_of_a_cent() -> None:
    assert format_unit_price(Decimal("0.067634"), "en") == "€0.06763"
    assert format_unit_price(Decimal("1.74"), "en") == "€1.74"
    assert format_quantity(Decimal("546.500"), "en") == "546.5"


def test_periods_and_local_times() -> None:
    assert format_period("2026-11", "sq") == "Nëntor 2026"
    assert format_period("2026-11", "sr") == "Novembar 2026"
    assert format_period("2026-03", "en") == "March 2026"
    # The night of the change to summer time: 01:30 UTC is 03:30 local, not 02:30.
    moment = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)
    assert format_local_datetime(moment, "en") == "29.03.2026 03:30"
