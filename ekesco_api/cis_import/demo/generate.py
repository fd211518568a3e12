"""Write a realistic CIS export: customers, meters, bills by month, payments, readings, areas.

Everything is drawn from one `random.Random(seed)`, supply point after supply point, and
"now" is derived from the last billed month, so the same seed, month and tariffs give the same
files byte for byte. The people and places come from `supply_points`, bills and payments from
`billing`, the daily register reads from `readings`. The caller passes the tariff rows in, so
the generator never touches the database.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import itertools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ekesco_api.cis_import.demo import readings as demo_readings
from ekesco_api.cis_import.demo.billing import (
    Pricer,
    bill_point,
    billed_periods,
    next_month,
    tariffs_in_force,
)
from ekesco_api.cis_import.demo.supply_points import (
    DemoSupplyPoint,
    area_rows,
    customer_row,
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
from ekesco_api.tariffs.models import CATEGORIES


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
    now: dt.datetime | None = None,
) -> DemoExport:
    """Write customers.csv, meters.csv, bills.csv, payments.csv, readings.csv and areas.csv.

    `tariffs` are the dated tariff rows (the `Tariff` model or anything shaped like it); each
    month's bills use the one in force on its first day. Raises `NoTariffForPeriod`, before any
    file is written, when a billed month of a category has none.

    Streamed: each supply point is drawn, written to every file, and forgotten, so 600,000 of
    them (7 million bills) take no more memory than 3,000.
    """
    directory = Path(out)
    last_period = last_period or previous_month()
    rng = random.Random(seed)
    periods = billed_periods(last_period, months)
    in_force = tariffs_in_force(tariffs, set(CATEGORIES), periods)
    price = Pricer()
    directory.mkdir(parents=True, exist_ok=True)
    # "Now": the 21st of the month after the last billed one, or the moment the export is
    # written if that is sooner (the default last period is last month): nothing is dated later.
    year, month = next_month(*map(int, last_period.split("-")))
    written = (now or dt.datetime.now(ZONE)).astimezone(ZONE).replace(second=0, microsecond=0)
    as_of = min(dt.datetime(year, month, 21, 9, 0, tzinfo=ZONE), written)
    days = demo_readings.reading_days(as_of, reading_days)

    files = {
        "customers.csv": CUSTOMER_COLUMNS,
        "meters.csv": METER_COLUMNS,
        "bills.csv": BILL_COLUMNS,
        "payments.csv": PAYMENT_COLUMNS,
        "readings.csv": READING_COLUMNS,
    }
    well_known = []
    payment_serial = itertools.count()
    with contextlib.ExitStack() as stack:
        writers = {
            name: _CountingWriter(stack, directory / name, header) for name, header in files.items()
        }
        customers, meters, bills, payments, readings = writers.values()
        for point in draw_supply_points(rng, supply_points):
            customers.write(customer_row(point))
            for row in meter_rows(point):
                meters.write(row)
            kwh_by_period = bill_point(
                rng,
                point,
                periods,
                in_force,
                price,
                as_of,
                bills.write,
                payments.write,
                payment_serial,
            )
            for row in demo_readings.point_readings(rng, point, kwh_by_period, days):
                readings.write(row)
            if point.well_known:
                well_known.append(point)
    counts = {name: writer.count for name, writer in writers.items()}
    counts["areas.csv"] = _write(
        directory / "areas.csv",
        ("city", "locality", "neighbourhood", "name_sr", "name_en"),
        area_rows(),
    )
    return DemoExport(
        directory=directory, counts=counts, last_period=last_period, well_known=well_known
    )


class _CountingWriter:
    """A CSV file being written row by row, with the rows counted."""

    def __init__(self, stack: contextlib.ExitStack, path: Path, header: tuple[str, ...]) -> None:
        handle = stack.enter_context(path.open("w", encoding="utf-8", newline=""))
        self._writer = csv.writer(handle)  # CRLF line ends, like the CIS's Windows exports
        self._writer.writerow(header)
        self.count = 0

    def write(self, row: list[str]) -> None:
        self._writer.writerow(row)
        self.count += 1


def _write(path: Path, header: tuple[str, ...], rows: Iterator[list[str]] | list[list[str]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)  # CRLF line ends, like the CIS's Windows exports
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
