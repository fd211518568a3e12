"""Consumption from register reads: baselines, late starts, drops, estimates per month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ekesco_api.clock import period_bounds
from ekesco_api.meters.registers import (
    RegisterRead,
    consumption_between,
    estimate_amount,
)
from ekesco_api.tariffs.service import compute_bill
from tests.factories import make_tariff, utc


def _read(when, high, low) -> RegisterRead:
    return RegisterRead(when, Decimal(high), Decimal(low))


# --- Consumption from register reads ------------------------------------------------------


def test_consumption_counts_from_the_last_read_before_the_start():
    start = utc(2031, 2, 1)
    reads = [
        _read(utc(2031, 1, 20), 900, 400),
        _read(utc(2031, 1, 31), 1000, 500),
        _read(utc(2031, 2, 10), 1200, 600),
        _read(utc(2031, 2, 20), 1500, 700),
    ]
    used = consumption_between(reads, start)
    assert (used.kwh_high, used.kwh_low, used.kwh_total) == (500, 200, 700)
    assert used.since == start and used.as_of == utc(2031, 2, 20)


def test_consumption_of_reads_that_begin_late_counts_from_the_first():
    reads = [_read(utc(2031, 2, 10), 1200, 600), _read(utc(2031, 2, 20), 1500, 700)]
    used = consumption_between(reads, utc(2031, 2, 1))
    assert (used.kwh_high, used.kwh_low) == (300, 100)
    assert used.since == utc(2031, 2, 10)


def test_consumption_stops_before_the_end_and_never_goes_negative():
    reads = [
        _read(utc(2031, 1, 31), 1000, 500),
        _read(utc(2031, 2, 10), 900, 520),  # the high register was replaced
        _read(utc(2031, 3, 10), 5000, 5000),
    ]
    used = consumption_between(reads, utc(2031, 2, 1), utc(2031, 3, 1))
    assert (used.kwh_high, used.kwh_low) == (0, 20)
    assert consumption_between(reads[:1], utc(2031, 2, 1)) is None


def test_an_estimate_prices_each_month_on_its_own(db_session):
    tariff = make_tariff(db_session)
    since = period_bounds("2031-01")[0]
    reads = [
        _read(since, 0, 0),
        _read(utc(2031, 1, 31, 12), 600, 300),  # January: 900 kWh, 100 above the block
        _read(utc(2031, 2, 20), 700, 350),  # February so far: 150 kWh
    ]

    amount = estimate_amount([tariff], category="household", reads=reads, since=since)

    def priced(month: int, high: int, low: int) -> Decimal:
        return compute_bill(
            [tariff],
            category="household",
            period_start=dt.date(2031, month, 1),
            kwh_high=Decimal(high),
            kwh_low=Decimal(low),
        ).total

    assert amount == priced(1, 600, 300) + priced(2, 100, 50)
    # Priced as one 1,050 kWh month it would cost more: the upper block would take more.
    assert priced(1, 700, 350) > amount


def test_no_tariff_means_no_estimate(db_session):
    reads = [_read(utc(1990, 1, 1), 0, 0), _read(utc(1990, 1, 5), 10, 5)]
    assert estimate_amount([], category="household", reads=reads, since=utc(1990, 1, 1)) is None
