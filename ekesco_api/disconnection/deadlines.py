"""The ERO rule's deadlines on Kosovo's wall clock: calendar days, working days and hours.

Pure arithmetic, no database. A rule in days ends when the last day ends in Kosovo (the instant
returned is the local midnight after it, in UTC); a rule in hours counts elapsed hours, so the
24 hours of a reconnection are 24 hours on the night the clocks change too. "Working days" skip
Saturdays, Sundays and Kosovo's public holidays, taken from the `holidays` library (country
code XK) rather than a list of our own: the movable feasts (both Easters, both Eids) change
every year.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays

from ekesco_api.clock import local_date, local_midnight

WARNING_DAYS = 15  # Art. 15.2: at least 15 calendar days from the warning to act
# Art. 15.3 gives the objection a deadline "set in Art. 19", which names none. Art. 3 defines the
# warning as giving a reasonable time "to correct or to challenge" the reasons: the project reads
# the warning's 15 days as the time to object too, counted from the day the warning is shown
# received (Art. 15.3), so the time to object is never shorter than the time to pay.
OBJECTION_DAYS = 15
NOTICE_DAYS = 3  # Art. 16.4: the notice delivered at least 3 calendar days before the date
DELIVERY_WORKING_DAYS = 2  # Art. 18.2: make sure it was received within 2 working days
MEDICAL_DAYS = 10  # Art. 20.1: a medical certificate postpones by at most 10 calendar days
# Contract: a rejected objection resumes the case no sooner than 3 days after the decision is
# delivered, as a disconnection notice would (Art. 16.4).
DECISION_DAYS = 3
RECONNECTION_HOURS = 24  # FAQ "Request for reconnection" (ERO Regulation 09/2017, Art. 23)
CONTESTED_RECONNECTION_HOURS = 48  # Art. 25.2: contested in writing, 48 h after disconnection


@cache
def _kosovo_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("XK", years=year))


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday, and not a public holiday in Kosovo."""
    return day.weekday() < 5 and day not in _kosovo_holidays(day.year)


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `day` (`day` itself is not counted)."""
    while count > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def start_of(day: dt.date) -> dt.datetime:
    """The UTC instant a local day begins."""
    return local_midnight(day)


def end_of(day: dt.date) -> dt.datetime:
    """The UTC instant a local day ends (the next local midnight): a deadline "by `day`"."""
    return local_midnight(day + dt.timedelta(days=1))


def days_after(instant: dt.datetime, days: int) -> dt.date:
    """The local date `days` calendar days after the local date of `instant`."""
    return local_date(instant) + dt.timedelta(days=days)


def pay_by(warned_at: dt.datetime) -> dt.datetime:
    """Art. 15.2: the warning's time to act ends with its 15th calendar day."""
    return end_of(days_after(warned_at, WARNING_DAYS))


def objection_by(warning_received_at: dt.datetime) -> dt.datetime:
    """Art. 15.3: the time to object, counted from the day the warning was received."""
    return end_of(days_after(warning_received_at, OBJECTION_DAYS))


def confirm_receipt_by(sent_at: dt.datetime) -> dt.datetime:
    """Art. 18.2: the end of the 2nd working day after the notice was sent."""
    return end_of(add_working_days(local_date(sent_at), DELIVERY_WORKING_DAYS))


def disconnection_from_notice(received_at: dt.datetime) -> dt.datetime:
    """Art. 16.4: no disconnection before the 3rd calendar day after the notice was received."""
    return start_of(days_after(received_at, NOTICE_DAYS))


def earliest_date_in_notice(issued_at: dt.datetime) -> dt.date:
    """Art. 16.4: the earliest date a notice issued at `issued_at` may name (delivery comes
    after issue, so a sooner date can never be 3 days after delivery)."""
    return days_after(issued_at, NOTICE_DAYS)


def medical_postponement_until(earliest: dt.date) -> dt.datetime:
    """Art. 20.1: the disconnection waits 10 more calendar days from the date it was due."""
    return start_of(earliest + dt.timedelta(days=MEDICAL_DAYS))


def resume_after_decision(decision_received_at: dt.datetime) -> dt.datetime:
    """A rejected objection: the case resumes 3 calendar days after the decision is received."""
    return start_of(days_after(decision_received_at, DECISION_DAYS))


def reconnection_due_by(
    requested_at: dt.datetime, *, disconnected_at: dt.datetime, contested: bool
) -> dt.datetime:
    """24 hours after the request, or 48 hours after the disconnection when the customer
    contested it in writing (Art. 25.2), whichever comes first."""
    due = requested_at + dt.timedelta(hours=RECONNECTION_HOURS)
    if contested:
        due = min(due, disconnected_at + dt.timedelta(hours=CONTESTED_RECONNECTION_HOURS))
    return due
