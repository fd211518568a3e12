"""High and low tariff periods on both sides of every boundary, across seasons and clock changes."""

from __future__ import annotations

import datetime as dt

import pytest

from ekesco_api.clock import ZONE
from ekesco_api.tariffs.periods import high_hours_on, period_at, season_on

UTC = dt.UTC


def local(text: str, *, fold: int = 0) -> dt.datetime:
    """A Belgrade wall-clock time, 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZONE, fold=fold)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "period", "until"),
    [
        # Winter (1 October - 31 March): high 07:00-22:00.
        ("2026-01-15 06:59", "low", "2026-01-15 07:00"),
        ("2026-01-15 07:00", "high", "2026-01-15 22:00"),
        ("2026-01-15 21:59", "high", "2026-01-15 22:00"),
        ("2026-01-15 22:00", "low", "2026-01-16 07:00"),
        ("2026-01-15 00:00", "low", "2026-01-15 07:00"),
        ("2026-01-15 23:59", "low", "2026-01-16 07:00"),
        # Summer (1 April - 30 September): high 08:00-23:00.
        ("2026-07-15 07:59", "low", "2026-07-15 08:00"),
        ("2026-07-15 08:00", "high", "2026-07-15 23:00"),
        ("2026-07-15 22:59", "high", "2026-07-15 23:00"),
        ("2026-07-15 23:00", "low", "2026-07-16 08:00"),
        # 31 March -> 1 April: the last winter evening ends at 22:00, summer starts at 08:00.
        ("2026-03-31 07:00", "high", "2026-03-31 22:00"),
        ("2026-03-31 21:59", "high", "2026-03-31 22:00"),
        ("2026-03-31 22:00", "low", "2026-04-01 08:00"),
        ("2026-03-31 23:30", "low", "2026-04-01 08:00"),
        ("2026-04-01 07:30", "low", "2026-04-01 08:00"),
        ("2026-04-01 08:00", "high", "2026-04-01 23:00"),
        ("2026-04-01 22:30", "high", "2026-04-01 23:00"),
        # 30 September -> 1 October: the last summer evening runs to 23:00, winter starts at 07:00.
        ("2026-09-30 22:30", "high", "2026-09-30 23:00"),
        ("2026-09-30 22:59", "high", "2026-09-30 23:00"),
        ("2026-09-30 23:00", "low", "2026-10-01 07:00"),
        ("2026-10-01 06:59", "low", "2026-10-01 07:00"),
        ("2026-10-01 07:00", "high", "2026-10-01 22:00"),
        ("2026-10-01 22:30", "low", "2026-10-02 07:00"),
        # New year: winter continues.
        ("2026-12-31 22:00", "low", "2027-01-01 07:00"),
    ],
)
def test_period_on_both_sides_of_each_boundary(at: str, period: str, until: str) -> None:
    got_period, got_until = period_at(local(at))
    assert got_period == period
    assert got_until == local(until)
    assert got_until.tzinfo is UTC


def test_clocks_go_forward_on_the_last_sunday_of_march() -> None:
    # 2026-03-29: 02:00 CET becomes 03:00 CEST. Still winter hours (07:00-22:00 local).
    assert period_at(utc("2026-03-28 20:59")) == ("high", utc("2026-03-28 21:00"))  # 21:59 CET
    # From 22:00 CET the night is an hour short: it ends at 07:00 CEST = 05:00 UTC.
    assert period_at(utc("2026-03-28 21:00")) == ("low", utc("2026-03-29 05:00"))
    assert period_at(utc("2026-03-29 00:59")) == ("low", utc("2026-03-29 05:00"))  # 01:59 CET
    assert period_at(utc("2026-03-29 01:00")) == ("low", utc("2026-03-29 05:00"))  # 03:00 CEST
    assert period_at(utc("2026-03-29 04:59")) == ("low", utc("2026-03-29 05:00"))  # 06:59 CEST
    assert period_at(utc("2026-03-29 05:00")) == ("high", utc("2026-03-29 20:00"))  # 07:00 CEST
    assert period_at(utc("2026-03-29 19:59")) == ("high", utc("2026-03-29 20:00"))  # 21:59 CEST
    assert period_at(utc("2026-03-29 20:00")) == ("low", utc("2026-03-30 05:00"))  # 22:00 CEST
    night = utc("2026-03-29 05:00") - utc("2026-03-28 21:00")
    assert night == dt.timedelta(hours=8)


def test_clocks_go_back_on_the_last_sunday_of_october() -> None:
    # 2026-10-25: 03:00 CEST becomes 02:00 CET. Winter hours already (since 1 October).
    assert period_at(utc("2026-10-24 19:59")) == ("high", utc("2026-10-24 20:00"))  # 21:59 CEST
    assert period_at(utc("2026-10-24 20:00")) == ("low", utc("2026-10-25 06:00"))  # 22:00 CEST
    # The hour 02:00-03:00 happens twice; both are low and end at 07:00 CET = 06:00 UTC.
    first = local("2026-10-25 02:30", fold=0)
    second = local("2026-10-25 02:30", fold=1)
    # Same-zone subtraction ignores the offset; compare the instants.
    assert second.astimezone(UTC) - first.astimezone(UTC) == dt.timedelta(hours=1)
    assert period_at(first) == ("low", utc("2026-10-25 06:00"))
    assert period_at(second) == ("low", utc("2026-10-25 06:00"))
    assert period_at(utc("2026-10-25 05:59")) == ("low", utc("2026-10-25 06:00"))  # 06:59 CET
    assert period_at(utc("2026-10-25 06:00")) == ("high", utc("2026-10-25 21:00"))  # 07:00 CET
    assert period_at(utc("2026-10-25 20:59")) == ("high", utc("2026-10-25 21:00"))  # 21:59 CET
    assert period_at(utc("2026-10-25 21:00")) == ("low", utc("2026-10-26 06:00"))  # 22:00 CET
    night = utc("2026-10-25 06:00") - utc("2026-10-24 20:00")
    assert night == dt.timedelta(hours=10)


def test_other_years_change_days_too() -> None:
    # 2025-03-30 and 2025-10-26 were the change days of 2025.
    assert period_at(utc("2025-03-29 21:00")) == ("low", utc("2025-03-30 05:00"))
    assert period_at(utc("2025-10-25 20:00")) == ("low", utc("2025-10-26 06:00"))


def test_until_always_names_the_next_change_through_a_whole_year() -> None:
    instant = utc("2026-01-01 00:00")
    end = utc("2027-01-01 00:00")
    step = dt.timedelta(minutes=13)
    while instant < end:
        period, until = period_at(instant)
        assert until > instant
        assert period_at(until - dt.timedelta(seconds=1))[0] == period
        assert period_at(until)[0] != period
        wall = until.astimezone(ZONE)
        assert (wall.minute, wall.second) == (0, 0)
        assert wall.hour in (7, 8, 22, 23)
        instant += step


def test_any_aware_zone_is_accepted_and_naive_times_are_refused() -> None:
    tokyo = dt.datetime(2026, 7, 15, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert period_at(tokyo) == ("high", utc("2026-07-15 21:00"))  # 08:30 in Prishtina
    with pytest.raises(ValueError):
        period_at(dt.datetime(2026, 7, 15, 12, 0))


def test_seasons_and_hours_by_day() -> None:
    assert season_on(dt.date(2026, 3, 31)).name == "winter"
    assert season_on(dt.date(2026, 4, 1)).name == "summer"
    assert season_on(dt.date(2026, 9, 30)).name == "summer"
    assert season_on(dt.date(2026, 10, 1)).name == "winter"
    assert season_on(dt.date(2024, 2, 29)).name == "winter"
    assert high_hours_on(dt.date(2026, 1, 1)) == (dt.time(7), dt.time(22))
    assert high_hours_on(dt.date(2026, 8, 1)) == (dt.time(8), dt.time(23))
