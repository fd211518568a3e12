"""The daily high (TL) and low (TU) tariff periods, judged on the wall clock of Europe/Belgrade.

High-tariff hours are 07:00–22:00 from 1 October to 31 March and 08:00–23:00 from 1 April to
30 September (KESCO FAQ, "Tarifat"; the ERO tariff structure). Everything else is low tariff.
The boundaries are wall-clock hours, so a day on which the clocks change (last Sunday of March
and of October) still has its high period at the same local hours, and the low period around it
is an hour shorter or longer. No boundary falls inside the 02:00–03:00 hour the clocks skip or
repeat, so every boundary names exactly one instant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from ekesco_api.clock import ZONE, local_at, require_aware

Period = Literal["high", "low"]
HIGH: Period = "high"
LOW: Period = "low"


@dataclass(frozen=True)
class Season:
    """High-tariff hours for the days from `first` (month, day) to `last` (month, day)."""

    name: str
    first: tuple[int, int]
    last: tuple[int, int]
    high_from: dt.time
    high_until: dt.time

    def covers(self, day: dt.date) -> bool:
        key = (day.month, day.day)
        if self.first <= self.last:
            return self.first <= key <= self.last
        return key >= self.first or key <= self.last  # wraps over the new year


# The regulator's seasons. They have not changed since the two-period tariff began; when a
# decision changes them, this table is the one place to edit.
SEASONS = (
    Season("winter", (10, 1), (3, 31), dt.time(7, 0), dt.time(22, 0)),
    Season("summer", (4, 1), (9, 30), dt.time(8, 0), dt.time(23, 0)),
)


def season_on(day: dt.date) -> Season:
    """The season a local calendar day belongs to."""
    for season in SEASONS:
        if season.covers(day):
            return season
    raise LookupError(f"no tariff season covers {day}")  # pragma: no cover - SEASONS cover all


def high_hours_on(day: dt.date) -> tuple[dt.time, dt.time]:
    """The local wall-clock hours of the high tariff on a day: (from, until), until excluded."""
    season = season_on(day)
    return season.high_from, season.high_until


def period_at(instant: dt.datetime) -> tuple[Period, dt.datetime]:
    """The tariff period at an instant and the UTC instant it ends (the next change of period).

    `instant` must be timezone-aware (any zone; UTC is usual). The end may fall on the next day
    or in the next season: on 31 March after 22:00 the low period runs until 08:00 on 1 April.
    """
    require_aware(instant)
    local = instant.astimezone(ZONE)
    day = local.date()
    high_from, high_until = high_hours_on(day)
    wall = local.time()
    if wall < high_from:
        return LOW, local_at(day, high_from).astimezone(dt.UTC)
    if wall < high_until:
        return HIGH, local_at(day, high_until).astimezone(dt.UTC)
    tomorrow = day + dt.timedelta(days=1)
    return LOW, local_at(tomorrow, high_hours_on(tomorrow)[0]).astimezone(dt.UTC)
