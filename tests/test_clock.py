"""The Kosovo clock: local dates and months judged on Europe/Belgrade's wall clock, DST included."""

from __future__ import annotations

import datetime as dt

import pytest

from ekesco_api.clock import (
    local_date,
    local_midnight,
    local_today,
    next_period,
    period_bounds,
    period_of,
)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_local_today_is_the_date_in_kosovo() -> None:
    assert local_today(utc(2026, 11, 24, 22, 59)) == dt.date(2026, 11, 24)
    assert local_today(utc(2026, 11, 24, 23, 0)) == dt.date(2026, 11, 25)  # midnight CET
    assert local_today(utc(2026, 7, 14, 22, 0)) == dt.date(2026, 7, 15)  # midnight CEST


def test_a_naive_instant_has_no_local_date() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(dt.datetime(2026, 1, 1, 12))


def test_local_midnight_on_the_days_the_clocks_change() -> None:
    assert local_midnight(dt.date(2026, 3, 29)) == utc(2026, 3, 28, 23)  # still CET at 00:00
    assert local_midnight(dt.date(2026, 3, 30)) == utc(2026, 3, 29, 22)
    assert local_midnight(dt.date(2026, 10, 25)) == utc(2026, 10, 24, 22)  # still CEST at 00:00
    assert local_midnight(dt.date(2026, 10, 26)) == utc(2026, 10, 25, 23)


def test_local_months_start_at_local_midnight_in_winter_and_summer() -> None:
    assert period_bounds("2031-02") == (utc(2031, 1, 31, 23), utc(2031, 2, 28, 23))
    assert period_bounds("2031-07")[0] == utc(2031, 6, 30, 22)
    assert period_bounds("2031-12")[1] == utc(2031, 12, 31, 23)
    # 23:30 UTC on 31 January is already February in Kosovo.
    assert period_of(utc(2031, 1, 31, 23, 30)) == "2031-02"
    assert period_of(utc(2031, 1, 31, 22, 59)) == "2031-01"


def test_the_month_after_december_is_january() -> None:
    assert next_period("2030-12") == "2031-01"
    assert next_period("2031-01") == "2031-02"
