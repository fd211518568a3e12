"""Remote readings of the demo export: daily register totals that follow the billed months."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from ekesco_api.cis_import.demo.supply_points import DemoSupplyPoint
from ekesco_api.clock import ZONE


def reading_rows(
    rng: random.Random,
    points: list[DemoSupplyPoint],
    monthly_kwh: dict[int, dict[str, tuple[int, int]]],
    as_of: dt.datetime,
    days: int,
) -> Iterator[list[str]]:
    """Daily register totals at local midnight for the last `days` days, remote meters only."""
    last_day = as_of.date()
    dates = [last_day - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    stamps = [
        dt.datetime(d.year, d.month, d.day, tzinfo=ZONE).isoformat(timespec="seconds")
        for d in dates
    ]
    for point in points:
        by_period = monthly_kwh[point.index]
        latest = by_period[max(by_period)]
        for number, mode, tariff in point.meters:
            if mode != "remote":
                continue
            high_wh = rng.randrange(5_000, 60_000) * 1000
            low_wh = rng.randrange(2_000, 30_000) * 1000 if tariff == "dual" else 0
            for day, stamp in zip(dates, stamps, strict=True):
                yield [number, stamp, _kwh(high_wh), _kwh(low_wh)]
                high, low = by_period.get(f"{day.year:04d}-{day.month:02d}", latest)
                factor = rng.uniform(0.6, 1.4) / 30
                high_wh += int(high * 1000 * factor)
                low_wh += int(low * 1000 * factor)


def _kwh(wh: int) -> str:
    return f"{wh // 1000}.{wh % 1000:03d}"
