"""Write a realistic CIS export: customers, meters, 24 months of bills, payments, readings, areas.

Everything is drawn from one `random.Random(seed)`, and "now" is derived from the last billed
month, so the same seed, month and tariffs give the same files byte for byte. Every bill is
priced by the tariff engine (`ekesco_api.tariffs.engine.bill_from_tariff`) with the tariff in
force on the period's first day; the caller passes the tariff rows in, so this module never
touches the database. Balances are carried in integer cents; the engine's lines add up to the
cent, so every bill does.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ekesco_api.cis_import.demo import people
from ekesco_api.cis_import.demo.places import CITIES, City, Locality
from ekesco_api.cis_import.loaders import (
    BILL_COLUMNS,
    CUSTOMER_COLUMNS,
    METER_COLUMNS,
    PAYMENT_COLUMNS,
    READING_COLUMNS,
)
from ekesco_api.clock import ZONE
from ekesco_api.tariffs.engine import TariffRates, bill_from_tariff, select_tariff
from ekesco_api.tariffs.errors import TariffNotFound
from ekesco_api.tariffs.models import CATEGORIES


@dataclass(frozen=True)
class DemoTariff:
    """A tariff row's rates, copied off the row: nothing can lazy-load, and it hashes by value."""

    category: str
    valid_from: dt.date
    valid_to: dt.date | None
    price_high: Decimal
    price_low: Decimal
    block_kwh: Decimal | None
    price_high_above: Decimal | None
    price_low_above: Decimal | None
    fixed_fee: Decimal
    vat_percent: Decimal

    @classmethod
    def of(cls, row: TariffRates) -> DemoTariff:
        return cls(
            category=row.category,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            price_high=row.price_high,
            price_low=row.price_low,
            block_kwh=row.block_kwh,
            price_high_above=row.price_high_above,
            price_low_above=row.price_low_above,
            fixed_fee=row.fixed_fee,
            vat_percent=row.vat_percent,
        )


class NoTariffForPeriod(LookupError):
    """No tariff row of a category covers the first day of a billed month."""

    def __init__(self, category: str, period: str) -> None:
        super().__init__(
            f"No {category} tariff is in force on {period}-01, so its bills cannot be priced."
        )
        self.category = category
        self.period = period


# Monthly consumption relative to the year's mean: heating in winter, some cooling in summer.
SEASON = {1: 1.75, 2: 1.55, 3: 1.2, 4: 0.85, 5: 0.7, 6: 0.75, 7: 0.9, 8: 0.9, 9: 0.7, 10: 0.85}
SEASON |= {11: 1.2, 12: 1.6}


@dataclass
class DemoSupplyPoint:
    """One customer code of the export, with what the bills and readings need to know."""

    index: int
    code: str
    first_name: str
    last_name: str
    personal_number: str
    street: str
    city: str
    locality: str
    neighbourhood: str
    category: str
    meters: list[tuple[str, str, str]] = field(default_factory=list)  # number, mode, tariff
    mean_kwh: float = 300.0
    high_share: float = 0.65
    payer: str = "punctual"  # punctual | irregular | late
    opening_balance: int = 0  # cents owed before the first bill
    well_known: str = ""

    @property
    def dual(self) -> bool:
        return self.meters[0][2] == "dual"


@dataclass
class DemoExport:
    """What was written, and the supply points a person can register with."""

    directory: Path
    counts: dict[str, int]
    last_period: str
    well_known: list[DemoSupplyPoint]


# Supply points everyone can find in the demo: registration examples in the README use #1.
WELL_KNOWN = (
    # code, first, last, personal number, city index, locality, neighbourhood, category,
    # meter mode, tariff, payer, what it shows
    (
        "DPR 0000001",
        "Arben",
        "Krasniqi",
        "1234567890",
        0,
        0,
        1,
        "household",
        "remote",
        "dual",
        "punctual",
        "household, remote-read meter, bills paid",
    ),
    (
        "DPZ 0000002",
        "Drita",
        "Gashi",
        "1234567891",
        1,
        0,
        2,
        "household",
        "manual",
        "dual",
        "punctual",
        "household, meter read by hand once a month",
    ),
    (
        "DMI 0000003",
        "Miloš",
        "Jovanović",
        "1234567892",
        4,
        1,
        0,
        "household",
        "remote",
        "dual",
        "irregular",
        "Serbian holder in North Mitrovica, some bills partly paid",
    ),
    (
        "DPE 0000004",
        "Valon",
        "Berisha",
        "1234567893",
        2,
        0,
        0,
        "commercial",
        "remote",
        "dual",
        "punctual",
        "business with two meters",
    ),
    (
        "DGJ 0000005",
        "Fjolla",
        "Morina",
        "1234567894",
        3,
        0,
        1,
        "household",
        "manual",
        "single",
        "late",
        "household with unpaid bills (debt outstanding)",
    ),
)


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
    points = _supply_points(rng, supply_points)
    periods = _periods(last_period, months)
    in_force = _tariffs_in_force(tariffs, {point.category for point in points}, periods)
    price = _Pricer()
    directory.mkdir(parents=True, exist_ok=True)
    # "Now": the 21st of the month after the last billed one; nothing happens after it.
    year, month = _next_month(*map(int, last_period.split("-")))
    as_of = dt.datetime(year, month, 21, 9, 0, tzinfo=ZONE)

    counts = {}
    counts["customers.csv"] = _write(
        directory / "customers.csv", CUSTOMER_COLUMNS, _customer_rows(points)
    )
    counts["meters.csv"] = _write(directory / "meters.csv", METER_COLUMNS, _meter_rows(points))
    bills: list[list[str]] = []
    payments: list[list[str]] = []
    monthly_kwh: dict[int, dict[str, tuple[int, int]]] = {}
    for point in points:
        monthly_kwh[point.index] = _bill_point(
            rng, point, periods, in_force, price, as_of, bills, payments
        )
    counts["bills.csv"] = _write(directory / "bills.csv", BILL_COLUMNS, bills)
    counts["payments.csv"] = _write(directory / "payments.csv", PAYMENT_COLUMNS, payments)
    counts["readings.csv"] = _write(
        directory / "readings.csv",
        READING_COLUMNS,
        _reading_rows(rng, points, monthly_kwh, as_of, reading_days),
    )
    counts["areas.csv"] = _write(
        directory / "areas.csv",
        ("city", "locality", "neighbourhood", "name_sr", "name_en"),
        _area_rows(),
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


# --- who and where -----------------------------------------------------------------------------


def _supply_points(rng: random.Random, count: int) -> list[DemoSupplyPoint]:
    points: list[DemoSupplyPoint] = []
    used_codes = {entry[0] for entry in WELL_KNOWN}
    used_personal = {entry[3] for entry in WELL_KNOWN}
    # Eight-digit meter numbers; 9000000x are kept for the well-known supply points.
    meter_numbers = iter(rng.sample(range(10_000_000, 90_000_000), count * 2 + 10))
    for index in range(count):
        if index < len(WELL_KNOWN):
            point = _well_known(index, 90_000_001 + index)
            if point.category == "commercial":
                point.meters.append((str(90_000_011 + index), "manual", "dual"))
        else:
            point = _random_point(rng, index, used_codes, used_personal, meter_numbers)
        _consumption_profile(rng, point)
        points.append(point)
    return points


def _well_known(index: int, meter_number: int) -> DemoSupplyPoint:
    code, first, last, personal, c, loc, nb, category, mode, tariff, payer, what = WELL_KNOWN[index]
    city = CITIES[c]
    locality = city.localities[loc]
    neighbourhood = locality.neighbourhoods[nb].sq if locality.neighbourhoods else ""
    streets = city.serbian_streets if locality.serbian_share > 0.5 else city.streets
    point = DemoSupplyPoint(
        index=index,
        code=code,
        first_name=first,
        last_name=last,
        personal_number=personal,
        street=_house(streets[index % len(streets)], 10 + index, serbian=code.startswith("DMI")),
        city=city.name.sq,
        locality=locality.name.sq,
        neighbourhood=neighbourhood,
        category=category,
        meters=[(str(meter_number), mode, tariff)],
        payer=payer,
        well_known=what,
    )
    if payer == "late":
        point.opening_balance = 8450
    return point


def _random_point(
    rng: random.Random,
    index: int,
    used_codes: set[str],
    used_personal: set[str],
    meter_numbers: Iterator[int],
) -> DemoSupplyPoint:
    city: City = rng.choices(CITIES, weights=[c.weight for c in CITIES])[0]
    locality: Locality = rng.choices(city.localities, weights=[x.weight for x in city.localities])[
        0
    ]
    neighbourhood = rng.choice(locality.neighbourhoods).sq if locality.neighbourhoods else ""
    category = "household" if rng.random() < 0.85 else "commercial"
    serbian = rng.random() < locality.serbian_share
    company = category == "commercial" and rng.random() < 0.3
    if company:
        first, last = rng.choice(people.COMPANY_NAMES), rng.choice(people.LEGAL_FORMS)
    elif serbian:
        first, last = rng.choice(people.SERBIAN_FIRST), rng.choice(people.SERBIAN_LAST)
    else:
        first, last = rng.choice(people.ALBANIAN_FIRST), rng.choice(people.ALBANIAN_LAST)
    personal = ""
    if not company:
        while not personal or personal in used_personal:
            personal = str(rng.randrange(1_000_000_000, 10_000_000_000))
        used_personal.add(personal)
    code = ""
    while not code or code in used_codes:
        code = f"{city.district} {rng.randrange(10, 10_000_000):07d}"
    used_codes.add(code)
    streets = city.serbian_streets if serbian and city.serbian_streets else city.streets
    if locality.neighbourhoods:
        street = _house(rng.choice(streets), rng.randint(1, 180), serbian=serbian)
    else:  # villages: few numbered houses
        street = rng.choice(streets) + (
            " pn" if rng.random() < 0.5 else f" nr. {rng.randint(1, 90)}"
        )
    city_name, locality_name = city.name.sq, locality.name.sq
    if rng.random() < 0.02:  # the CIS is not always consistent with ë and ç
        city_name = city_name.replace("ë", "e").replace("ç", "c")
    remote = rng.random() < (0.7 if category == "commercial" else 0.36)
    tariff = "dual" if rng.random() < 0.8 else "single"
    point = DemoSupplyPoint(
        index=index,
        code=code,
        first_name=first,
        last_name=last,
        personal_number=personal,
        street=street,
        city=city_name,
        locality=locality_name,
        neighbourhood=neighbourhood,
        category=category,
        meters=[(str(next(meter_numbers)), "remote" if remote else "manual", tariff)],
        payer=rng.choices(("punctual", "irregular", "late"), weights=(75, 18, 7))[0],
    )
    if category == "commercial" and rng.random() < 0.08:
        point.meters.append((str(next(meter_numbers)), "manual", tariff))
    if point.payer == "late" and rng.random() < 0.5:
        point.opening_balance = rng.randrange(1000, 15000)
    return point


def _house(street: str, number: int, *, serbian: bool) -> str:
    return f"{street} {'br.' if serbian else 'nr.'} {number}"


def _consumption_profile(rng: random.Random, point: DemoSupplyPoint) -> None:
    if point.category == "household":
        # Most homes use 200–500 kWh a month; those heating with electricity pass 800 in winter.
        point.mean_kwh = rng.lognormvariate(5.75, 0.45)
        point.high_share = rng.uniform(0.55, 0.75)
    else:
        point.mean_kwh = rng.lognormvariate(6.9, 0.7)
        point.high_share = rng.uniform(0.7, 0.85)


def _customer_rows(points: list[DemoSupplyPoint]) -> Iterator[list[str]]:
    for p in points:
        yield [
            p.code,
            p.first_name,
            p.last_name,
            p.personal_number,
            p.street,
            p.city,
            p.locality,
            p.neighbourhood,
            p.category,
        ]


def _meter_rows(points: list[DemoSupplyPoint]) -> Iterator[list[str]]:
    for p in points:
        for number, mode, tariff in p.meters:
            yield [number, p.code, mode, tariff]


def _area_rows() -> Iterator[list[str]]:
    for city in CITIES:
        yield [city.name.sq, "", "", city.name.sr, city.name.en]
        for locality in city.localities:
            yield [city.name.sq, locality.name.sq, "", locality.name.sr, locality.name.en]
            for nb in locality.neighbourhoods:
                yield [city.name.sq, locality.name.sq, nb.sq, nb.sr, nb.en]


# --- bills and payments ------------------------------------------------------------------------


def _periods(last_period: str, months: int) -> list[tuple[int, int]]:
    year, month = map(int, last_period.split("-"))
    periods = []
    for _ in range(months):
        periods.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return periods[::-1]


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _cents(value: int) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def _tariffs_in_force(
    rows: Iterable[TariffRates], categories: set[str], periods: list[tuple[int, int]]
) -> dict[tuple[str, str], DemoTariff]:
    """The tariff of each (category, "YYYY-MM"), chosen as the engine chooses: on the 1st."""
    plain = [DemoTariff.of(row) for row in rows]
    found: dict[tuple[str, str], DemoTariff] = {}
    # Earliest month first, households first: the error names the first gap.
    for year, month in periods:
        period = f"{year:04d}-{month:02d}"
        for category in (c for c in CATEGORIES if c in categories):
            try:
                found[category, period] = select_tariff(
                    plain, category=category, on=dt.date(year, month, 1)
                )
            except TariffNotFound:
                raise NoTariffForPeriod(category, period) from None
    return found


def _to_cents(amount: Decimal) -> int:
    return int(amount.scaleb(2))  # the engine rounds every amount to the cent


class _Pricer:
    """`bill_from_tariff` in cents, remembered per (tariff, kWh high, kWh low).

    The engine takes ~50 µs a bill (Decimals, lines, labels); about 40 % of the default
    72,000 bills repeat a (tariff, reads) pair already priced, single-rate meters most. The
    previous balance is left out of the key: the engine only adds it, rounded to the cent, and
    the demo's balances are whole cents already.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[DemoTariff, int, int], tuple[int, int, int]] = {}

    def __call__(self, tariff: DemoTariff, high: int, low: int) -> tuple[int, int, int]:
        """Energy, fixed fee and VAT of a bill in cents."""
        key = (tariff, high, low)
        cents = self._seen.get(key)
        if cents is None:
            bill = bill_from_tariff(tariff, kwh_high=Decimal(high), kwh_low=Decimal(low))
            cents = (
                _to_cents(bill.energy_amount),
                _to_cents(bill.fixed_fee),
                _to_cents(bill.vat_amount),
            )
            self._seen[key] = cents
        return cents


def _bill_point(
    rng: random.Random,
    point: DemoSupplyPoint,
    periods: list[tuple[int, int]],
    in_force: dict[tuple[str, str], DemoTariff],
    price: _Pricer,
    as_of: dt.datetime,
    bills: list[list[str]],
    payments: list[list[str]],
) -> dict[str, tuple[int, int]]:
    balance = point.opening_balance
    kwh_by_period: dict[str, tuple[int, int]] = {}
    random = rng.random  # the generator's hot loop: 24 bills for each supply point
    chance = _PAY_CHANCE[point.payer]
    last_moment = as_of.replace(tzinfo=None)
    for year, month in periods:
        period = f"{year:04d}-{month:02d}"
        kwh = max(15, round(point.mean_kwh * SEASON[month] * (0.85 + 0.3 * random())))
        high = round(kwh * point.high_share) if point.dual else kwh
        low = kwh - high
        kwh_by_period[period] = (high, low)
        energy, fee, vat = price(in_force[point.category, period], high, low)
        total = energy + fee + vat + balance
        ny, nm = _next_month(year, month)
        issued = dt.date(ny, nm, 2 + int(5 * random()))
        bills.append(
            [
                f"{year:04d}{month:02d}{point.index:06d}",
                point.code,
                period,
                issued.isoformat(),
                (issued + _DUE_AFTER).isoformat(),
                str(high),
                str(low),
                _cents(energy),
                _cents(fee),
                _cents(vat),
                _cents(balance),
                _cents(total),
            ]
        )
        # Pay (part of) the bill before the next one is issued, or not at all.
        if total <= 0 or random() >= chance:
            balance = total
            continue
        if point.payer == "punctual" or random() < 0.5:
            amount = total
        else:  # a round part of what is owed
            amount = min(total, max(1000, int(total * (0.3 + 0.5 * random())) // 1000 * 1000))
        day = issued + dt.timedelta(days=1 + int(20 * random()))
        paid_at = dt.datetime(
            day.year, day.month, day.day, 8 + int(10 * random()), int(60 * random())
        )
        if paid_at > last_moment:
            balance = total
            continue
        pick = random()
        channel, prefix = _CHANNELS[0 if pick < 0.6 else 1 if pick < 0.75 else 2]
        payments.append(
            [
                f"{prefix}{day:%y%m%d}{len(payments):07d}",
                point.code,
                _cents(amount),
                f"{paid_at:%Y-%m-%dT%H:%M:00}{_offset(day)}",
                channel,
            ]
        )
        balance = total - amount
    return kwh_by_period


_DUE_AFTER = dt.timedelta(days=20)
_PAY_CHANCE = {"punctual": 0.97, "irregular": 0.75, "late": 0.35}
_CHANNELS = (("bank", "BK"), ("post", "PK"), ("cash_desk", "AK"))


@functools.cache
def _offset(day: dt.date) -> str:
    """Europe/Belgrade's UTC offset at noon of a day, as "+01:00" or "+02:00"."""
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=ZONE)
    return noon.isoformat()[-6:]


# --- remote readings ---------------------------------------------------------------------------


def _reading_rows(
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
