"""The Kosovo clock: dates, local midnights and calendar months on Europe/Belgrade's wall clock.

Instants are stored and returned in UTC; what a customer calls "today", "this month" or "24
hours before 9 o'clock" is judged in Kosovo, whose clocks follow Europe/Belgrade (CET/CEST).
Tariff periods, bill months, payment days, outage notice and the ERO rule's deadlines all read
the clock from here, so a day boundary means the same instant everywhere.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

ZONE_NAME = "Europe/Belgrade"
ZONE = ZoneInfo(ZONE_NAME)


def require_aware(instant: dt.datetime) -> None:
    """Refuse a naive instant: its zone is unknown, so any local date read from it is a guess."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a timezone-aware instant is needed")


def local_date(instant: dt.datetime) -> dt.date:
    """The date in Kosovo at `instant`."""
    require_aware(instant)
    return instant.astimezone(ZONE).date()


def local_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Kosovo."""
    return local_date(now or dt.datetime.now(dt.UTC))


def local_at(day: dt.date, at: dt.time) -> dt.datetime:
    """The instant (in Kosovo's zone) of the wall-clock time `at` on `day`."""
    return dt.datetime.combine(day, at, tzinfo=ZONE)


def local_midnight(day: dt.date) -> dt.datetime:
    """The UTC instant of local midnight at the start of `day`."""
    return local_at(day, dt.time()).astimezone(dt.UTC)


# Calendar months ("YYYY-MM") on the local clock: a bill's period, a block's month.


def period_of(instant: dt.datetime) -> str:
    """The local calendar month ("YYYY-MM") an instant falls in."""
    return f"{instant.astimezone(ZONE):%Y-%m}"


def period_start(period: str) -> dt.date:
    """The first day of a "YYYY-MM" month."""
    return dt.date(int(period[:4]), int(period[5:7]), 1)


def next_period(period: str) -> str:
    """The month after a "YYYY-MM" month."""
    year, month = int(period[:4]), int(period[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def period_bounds(period: str) -> tuple[dt.datetime, dt.datetime]:
    """A local calendar month as a half-open span of UTC instants."""
    return (
        local_midnight(period_start(period)),
        local_midnight(period_start(next_period(period))),
    )
