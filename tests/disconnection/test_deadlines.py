"""The ERO rule's deadline arithmetic on the Kosovo clock: month ends, 29 February, the days
the clocks change, and working days around Kosovo's public holidays."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from ekesco_api.clock import ZONE, local_date
from ekesco_api.disconnection import deadlines as d


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZONE)  # type: ignore[misc]


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


def test_the_warning_gives_15_whole_days_across_a_month_end():
    # Warned on 31 January: the 15th day is 15 February, which ends at local midnight (CET).
    assert d.pay_by(local(2026, 1, 31, 18, 0)) == utc(2026, 2, 15, 23, 0)


def test_the_warning_counts_29_february_in_a_leap_year():
    assert d.pay_by(local(2028, 2, 14, 9, 0)) == utc(2028, 2, 29, 23, 0)
    assert d.pay_by(local(2027, 2, 14, 9, 0)) == utc(2027, 3, 1, 23, 0)


def test_a_day_ending_on_the_spring_change_ends_at_local_midnight_in_summer_time():
    # 29 March 2026 has 23 hours: its end is 22:00 UTC, not 23:00.
    assert d.pay_by(local(2026, 3, 14, 12, 0)) == utc(2026, 3, 29, 22, 0)


def test_a_day_ending_on_the_autumn_change_ends_at_local_midnight_in_winter_time():
    # 25 October 2026 has 25 hours.
    assert d.end_of(dt.date(2026, 10, 25)) == utc(2026, 10, 25, 23, 0)
    assert d.start_of(dt.date(2026, 10, 25)) == utc(2026, 10, 24, 22, 0)


def test_a_warning_late_in_the_evening_counts_from_its_local_day():
    # 23:30 on 31 Dec in Kosovo is still 2026 there, though 22:30 UTC.
    assert d.pay_by(utc(2026, 12, 31, 22, 30)) == utc(2027, 1, 15, 23, 0)


def test_working_days_skip_the_weekend():
    # Sent on Friday 6 March 2026: Monday and Tuesday are the two working days.
    assert d.confirm_receipt_by(local(2026, 3, 6, 10, 0)) == utc(2026, 3, 10, 23, 0)


def test_independence_day_inside_the_two_working_days_is_skipped():
    # Sent Friday 13 Feb 2026; Tuesday 17 Feb is Independence Day: Monday and Wednesday count.
    assert d.confirm_receipt_by(local(2026, 2, 13, 10, 0)) == utc(2026, 2, 18, 23, 0)


def test_both_easters_are_not_working_days():
    # 2026: Catholic Easter Monday 6 April and Orthodox Easter Monday 13 April are holidays.
    assert not d.is_working_day(dt.date(2026, 4, 6))
    assert not d.is_working_day(dt.date(2026, 4, 13))
    assert d.add_working_days(dt.date(2026, 4, 3), 2) == dt.date(2026, 4, 8)


def test_kosovo_holidays_come_from_the_library():
    for day in (
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 7),
        dt.date(2026, 4, 9),
        dt.date(2026, 5, 1),
        dt.date(2026, 5, 9),
        dt.date(2026, 12, 25),
    ):
        assert not d.is_working_day(day), day
    assert d.is_working_day(dt.date(2026, 2, 16))


def test_a_notice_may_name_a_date_three_calendar_days_after_it():
    assert d.earliest_date_in_notice(local(2026, 2, 27, 23, 50)) == dt.date(2026, 3, 2)
    assert d.earliest_date_in_notice(local(2028, 2, 27, 8, 0)) == dt.date(2028, 3, 1)


def test_disconnection_waits_three_days_from_the_notice_received():
    # Received 28 Feb 2028 (leap year): no disconnection before 2 March, local midnight.
    assert d.disconnection_from_notice(local(2028, 2, 28, 15, 0)) == utc(2028, 3, 1, 23, 0)


def test_a_medical_certificate_postpones_by_ten_calendar_days():
    assert d.medical_postponement_until(dt.date(2026, 3, 25)) == utc(2026, 4, 3, 22, 0)


def test_reconnection_is_due_24_elapsed_hours_later_even_over_the_clock_change():
    requested = utc(2026, 3, 28, 10, 0)
    due = d.reconnection_due_by(requested, disconnected_at=utc(2026, 3, 27), contested=False)
    assert due == utc(2026, 3, 29, 10, 0)
    assert due - requested == dt.timedelta(hours=24)


def test_contested_reconnection_is_due_48_hours_after_the_disconnection_when_sooner():
    cut = utc(2026, 3, 28, 8, 0)
    early = d.reconnection_due_by(utc(2026, 3, 28, 9, 0), disconnected_at=cut, contested=True)
    late = d.reconnection_due_by(utc(2026, 3, 29, 20, 0), disconnected_at=cut, contested=True)
    assert early == utc(2026, 3, 29, 9, 0)  # 24 h after the request comes first
    assert late == utc(2026, 3, 30, 8, 0)  # 48 h after the disconnection comes first


instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),
    max_value=dt.datetime(2035, 12, 31),
    timezones=st.just(dt.UTC),
)


@settings(max_examples=150, deadline=None)
@given(instants)
def test_pay_by_always_ends_the_15th_local_day_at_a_local_midnight(warned_at):
    end = d.pay_by(warned_at)
    assert end.astimezone(ZONE).time() == dt.time(0, 0)
    last_day = local_date(end - dt.timedelta(microseconds=1))
    assert last_day - local_date(warned_at) == dt.timedelta(days=15)


@settings(max_examples=150, deadline=None)
@given(
    st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2035, 12, 31)),
    st.integers(min_value=1, max_value=5),
)
def test_add_working_days_counts_exactly_that_many_working_days(day, count):
    result = d.add_working_days(day, count)
    between = [day + dt.timedelta(days=n) for n in range(1, (result - day).days + 1)]
    assert d.is_working_day(result)
    assert sum(d.is_working_day(x) for x in between) == count


@settings(max_examples=150, deadline=None)
@given(instants)
def test_receipt_is_confirmed_by_the_end_of_a_working_day_at_least_two_days_on(sent_at):
    end = d.confirm_receipt_by(sent_at)
    last_day = local_date(end - dt.timedelta(microseconds=1))
    assert d.is_working_day(last_day)
    assert (last_day - local_date(sent_at)).days >= 2
    assert end.astimezone(ZONE).time() == dt.time(0, 0)
