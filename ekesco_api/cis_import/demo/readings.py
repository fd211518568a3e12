"""Remote readings of the demo export: daily register totals that follow the billed months."""

from __future__ import annotations

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
    """Daily register totals at local midnight of the point's remote meters (none if manual)."""
    latest = by_period[max(by_period)]
    for number, mode, tariff in point.meters:
        if mode != "remote":
            continue
        high_wh = rng.randrange(5_000, 60_000) * 1000
        low_wh = rng.randrange(2_000, 30_000) * 1000 if tariff == "dual" else 0
        for day, stamp in days:
            yield [number, stamp, _kwh(high_wh), _kwh(low_wh)]
            high, low = by_period.get(f"{day.year:04d}-{day.month:02d}", latest)
            factor = rng.uniform(0.6, 1.4) / 30
            high_wh += int(high * 1000 * factor)
            low_wh += int(low * 1000 * factor)


def _kwh(wh: int) -> str:
    return f"{wh // 1000}.{wh % 1000:03d}"
