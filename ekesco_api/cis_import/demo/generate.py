"""Write a realistic CIS export: customers, meters, 24 months of bills, payments, readings, areas.

Everything is drawn from one `random.Random(seed)`, in the order the files are written, and
"now" is derived from the last billed month, so the same seed, month and tariffs give the same
files byte for byte. The people and places come from `supply_points`, bills and payments from
`billing`, the daily register reads from `readings`. The caller passes the tariff rows in, so
the generator never touches the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ekesco_api.cis_import.demo.billing import (
    Pricer,
    bill_point,
    billed_periods,
    next_month,
    tariffs_in_force,
)
from ekesco_api.cis_import.demo.readings import reading_rows
from ekesco_api.cis_import.demo.supply_points import (
    DemoSupplyPoint,
    area_rows,
    customer_rows,
    draw_supply_points,
    meter_rows,
)
from ekesco_api.cis_import.loaders import (
    BILL_COLUMNS,
    CUSTOMER_COLUMNS,
    METER_COLUMNS,
    PAYMENT_COLUMNS,
    READING_COLUMNS,
)
from ekesco_api.clock import ZONE
from ekesco_api.tariffs.engine import TariffRates


@dataclass
class DemoExport:
    """What was written, and the supply points a person can register with."""

    directory: Path
    counts: dict[str, int]
    last_period: str
    well_known: list[DemoSupplyPoint]


def previous_month(today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def write_demo_export(
    out: str | Path,
    *,
    tariffs: Iterable[TariffRates],
    supply_points: int = 3000,
    seed: int = 1,
    last_period: str | None = None,
    months: int = 24,
    reading_days: int = 60,
) -> DemoExport:
    """Write customers.csv, meters.csv, bills.csv, payments.csv, readings.csv and areas.csv.

    `tariffs` are the dated tariff rows (the `Tariff` model or anything shaped like it); each
    month's bills use the one in force on its first day. Raises `NoTariffForPeriod`, before any
    file is written, when a billed month of a category present has none.
    """
    directory = Path(out)
    last_period = last_period or previous_month()
    rng = random.Random(seed)
    points = draw_supply_points(rng, supply_points)
    periods = billed_periods(last_period, months)
    in_force = tariffs_in_force(tariffs, {point.category for point in points}, periods)
    price = Pricer()
    directory.mkdir(parents=True, exist_ok=True)
    # "Now": the 21st of the month after the last billed one; nothing happens after it.
    year, month = next_month(*map(int, last_period.split("-")))
    as_of = dt.datetime(year, month, 21, 9, 0, tzinfo=ZONE)

    counts = {}
    counts["customers.csv"] = _write(
        directory / "customers.csv", CUSTOMER_COLUMNS, customer_rows(points)
    )
    counts["meters.csv"] = _write(directory / "meters.csv", METER_COLUMNS, meter_rows(points))
    bills: list[list[str]] = []
    payments: list[list[str]] = []
    monthly_kwh: dict[int, dict[str, tuple[int, int]]] = {}
    for point in points:
        monthly_kwh[point.index] = bill_point(
            rng, point, periods, in_force, price, as_of, bills, payments
        )
    counts["bills.csv"] = _write(directory / "bills.csv", BILL_COLUMNS, bills)
    counts["payments.csv"] = _write(directory / "payments.csv", PAYMENT_COLUMNS, payments)
    counts["readings.csv"] = _write(
        directory / "readings.csv",
        READING_COLUMNS,
        reading_rows(rng, points, monthly_kwh, as_of, reading_days),
    )
    counts["areas.csv"] = _write(
        directory / "areas.csv",
        ("city", "locality", "neighbourhood", "name_sr", "name_en"),
        area_rows(),
    )
    return DemoExport(
        directory=directory,
        counts=counts,
        last_period=last_period,
        well_known=[point for point in points if point.well_known],
    )


def _write(path: Path, header: tuple[str, ...], rows: Iterator[list[str]] | list[list[str]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)  # CRLF line ends, like the CIS's Windows exports
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
