"""Bills and payments of the demo export: 24 months per supply point, priced by the tariff engine.

Every bill is priced (`ekesco_api.tariffs.engine.bill_from_tariff`) with the tariff in force on
the period's first day; balances are carried in integer cents, and the engine's lines add up
to the cent, so every bill does.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from ekesco_api.cis_import.demo.supply_points import DemoSupplyPoint
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


def billed_periods(last_period: str, months: int) -> list[tuple[int, int]]:
    year, month = map(int, last_period.split("-"))
    periods = []
    for _ in range(months):
        periods.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return periods[::-1]


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _cents(value: int) -> str:
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def tariffs_in_force(
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


class Pricer:
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


def bill_point(
    rng: random.Random,
    point: DemoSupplyPoint,
    periods: list[tuple[int, int]],
    in_force: dict[tuple[str, str], DemoTariff],
    price: Pricer,
    as_of: dt.datetime,
    write_bill: Callable[[list[str]], object],
    write_payment: Callable[[list[str]], object],
    payment_serial: Iterator[int],
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
        ny, nm = next_month(year, month)
        # Never issued after "now": in the first days of a month, last month's bill is new.
        issued = min(dt.date(ny, nm, 2 + int(5 * random())), last_moment.date())
        write_bill(
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
        write_payment(
            [
                f"{prefix}{day:%y%m%d}{next(payment_serial):07d}",
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
