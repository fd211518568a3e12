"""Remote readings of the demo export: daily register totals that follow the billed months."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Iterator

from ekesco_api.cis_import.demo.supply_points import DemoSupplyPoint
from ekesco_api.clock import ZONE


def reading_days(as_of: dt.datetime, days: int) -> list[tuple[dt.date, str]]:
    """The last `days` local days up to `as_of`, each with its local midnight written out."""
    last_day = as_of.date()
    dates = [last_day - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    return [
        (d, dt.datetime(d.year, d.month, d.day, tzinfo=ZONE).isoformat(timespec="seconds"))
        for d in dates
    ]


def point_readings(
    rng: random.Random,
    point: DemoSupplyPoint,
    by_period: dict[str, tuple[int, int]],
    days: list[tuple[dt.date, str]],
) -> Iterator[list[str]]:
    """Daily register totals at local midnight of the point's remote meters (none if manual).

    A billed month's kWh are spread evenly over its days, so the reads
    at the midnights that open and close the month differ by exactly what the bill charges; a
    point with several remote meters shares the month's kWh among them.
    """
    latest = by_period[max(by_period)]
    remote = [(number, tariff) for number, mode, tariff in point.meters if mode == "remote"]
    for share, (number, tariff) in enumerate(remote):
        high_wh = rng.randrange(5_000, 60_000) * 1000
        low_wh = rng.randrange(2_000, 30_000) * 1000 if tariff == "dual" else 0
        for day, stamp in days:
            yield [number, stamp, _kwh(high_wh), _kwh(low_wh)]
            high, low = by_period.get(f"{day.year:04d}-{day.month:02d}", latest)
            if tariff != "dual":  # one register counts the day and the night
                high, low = high + low, 0
            # One draw a day, as when the days were uneven: a seed keeps giving the same people
            # and bills after the reads were made to add up to them.
            rng.random()
            high_wh += _day_wh(high, day, share, len(remote))
            low_wh += _day_wh(low, day, share, len(remote))


def _day_wh(month_kwh: int, day: dt.date, share: int, meters: int) -> int:
    """This meter's Wh on `day`: its share of the month's kWh, the month's last day taking
    what rounding left, so the month adds up to the Wh."""
    whole = month_kwh * 1000 // meters + (month_kwh * 1000 % meters if share == 0 else 0)
    length = calendar.monthrange(day.year, day.month)[1]
    if day.day == length:
        return whole - (length - 1) * (whole // length)
    return whole // length


def _kwh(wh: int) -> str:
    return f"{wh // 1000}.{wh % 1000:03d}"
