"""The bill engine: a month's lines, VAT and total from a tariff row and the reads (pure).

It takes tariff rows (the `Tariff` model or anything shaped like `TariffRates`) and Decimals,
and touches no database, so bills can be computed for demo data, estimates and tests alike.

Rules the engine applies, with their sources:
- Households pay the first `block_kwh` (800) kWh of the month in block 1 and the rest in block 2,
  each at high and low tariff: bill lines A1/B1, A2/B1, A1/B2, A2/B2 (KESCO, March 2022: "konsumi
  ... ndahet në dy blloqe, 0-800kWh dhe më i lartë se 800kWh dhe në dy intervale ditore").
  A register read gives the month's high and low kWh, not their order in time, so block 1 takes
  its 800 kWh from high and low in the month's own proportion; block 2 gets the rest of each
  (the same proportional split KESCO's published worked example uses).
- Businesses (commercial) have no blocks: lines A1 and A2.
- The fixed monthly fee is added, then VAT on energy plus fee (KESCO: "Fatura përfundimtare do të
  kalkulohet duke shtuar edhe tarifën fikse ... dhe TVSH-në"); the previous balance carries no VAT.
- Every amount is rounded to the cent, ROUND_HALF_UP, line by line; the total is the sum of the
  lines, so it always adds up.
- A billing period that spans two tariffs is priced whole with the tariff in force on its first
  day. (KESCO split the February 2022 bills at the decision date by daily average instead; the
  CIS bills stay authoritative, this engine is for estimates and demo data.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol, TypeVar

from flask_babel import LazyString

from ekesco_api.i18n import _l
from ekesco_api.tariffs.errors import TariffNotFound

CENT = Decimal("0.01")
# Register reads have three decimals; splitting on that grid keeps every block part >= 0.
KWH_QUANTUM = Decimal("0.001")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


class TariffRates(Protocol):
    """What the engine needs of a tariff row; the `Tariff` model satisfies it."""

    @property
    def category(self) -> str: ...
    @property
    def valid_from(self) -> dt.date: ...
    @property
    def valid_to(self) -> dt.date | None: ...
    @property
    def price_high(self) -> Decimal: ...
    @property
    def price_low(self) -> Decimal: ...
    @property
    def block_kwh(self) -> Decimal | None: ...
    @property
    def price_high_above(self) -> Decimal | None: ...
    @property
    def price_low_above(self) -> Decimal | None: ...
    @property
    def fixed_fee(self) -> Decimal: ...
    @property
    def vat_percent(self) -> Decimal: ...


def _covers(tariff: TariffRates, day: dt.date) -> bool:
    return tariff.valid_from <= day and (tariff.valid_to is None or day <= tariff.valid_to)


T = TypeVar("T", bound=TariffRates)


def select_tariff(rows: Iterable[T], *, category: str, on: dt.date) -> T:
    """The row of `category` in force on `on`; the latest `valid_from` wins should two overlap."""
    matching = [row for row in rows if row.category == category and _covers(row, on)]
    if not matching:
        raise TariffNotFound()
    return max(matching, key=lambda row: row.valid_from)


@dataclass(frozen=True)
class BillLine:
    """One line of a bill. `code` is stable (A1/B1 ... for energy); `label` is translated."""

    code: str
    label: str | LazyString
    quantity: Decimal | None
    unit: str | None
    unit_price: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class BillLines:
    """A computed bill: its lines, the tariff used, and the sums the CIS bill also carries."""

    category: str
    tariff: TariffRates
    lines: tuple[BillLine, ...]
    energy_amount: Decimal
    fixed_fee: Decimal
    vat_amount: Decimal
    previous_balance: Decimal
    total: Decimal
    kwh_high: Decimal = field(default=ZERO)
    kwh_low: Decimal = field(default=ZERO)


@dataclass(frozen=True)
class BlockSplit:
    """The month's high and low kWh divided between block 1 and block 2."""

    block1_high: Decimal
    block1_low: Decimal
    block2_high: Decimal
    block2_low: Decimal


def money(value: Decimal) -> Decimal:
    """Round to the cent, half up (the line-level rule)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _kwh(value: Decimal | int | str, name: str) -> Decimal:
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{name} must be a finite, non-negative number of kWh")
    return amount.quantize(KWH_QUANTUM, rounding=ROUND_HALF_UP)


def split_blocks(kwh_high: Decimal, kwh_low: Decimal, block_kwh: Decimal) -> BlockSplit:
    """Put the first `block_kwh` of the month in block 1, high and low in the month's proportion.

    Up to the limit everything is block 1. Above it, block 1's high part is
    `block_kwh × high / (high + low)` rounded half up to 0.001 kWh, its low part is the rest of
    `block_kwh`, and block 2 takes what remains of each, so every part is non-negative and the
    four parts add up to the reads exactly.
    """
    high, low = _kwh(kwh_high, "kwh_high"), _kwh(kwh_low, "kwh_low")
    total = high + low
    if total <= block_kwh:
        return BlockSplit(high, low, ZERO, ZERO)
    block1_high = (block_kwh * high / total).quantize(KWH_QUANTUM, rounding=ROUND_HALF_UP)
    block1_low = block_kwh - block1_high
    return BlockSplit(block1_high, block1_low, high - block1_high, low - block1_low)


def _energy_line(code: str, label: str | LazyString, kwh: Decimal, price: Decimal) -> BillLine:
    return BillLine(code, label, kwh, "kWh", price, money(kwh * price))


def bill_from_tariff(
    tariff: TariffRates,
    *,
    kwh_high: Decimal,
    kwh_low: Decimal,
    previous_balance: Decimal = ZERO,
) -> BillLines:
    """The lines of a monthly bill under one tariff (pure: no database, no clock)."""
    high, low = _kwh(kwh_high, "kwh_high"), _kwh(kwh_low, "kwh_low")
    balance = Decimal(previous_balance)
    if not balance.is_finite():
        raise ValueError("previous_balance must be a finite amount")
    balance = money(balance)

    energy: list[BillLine] = []
    if tariff.block_kwh is not None:
        if tariff.price_high_above is None or tariff.price_low_above is None:
            raise ValueError("a tariff with blocks needs the prices above the block")
        limit = tariff.block_kwh
        parts = split_blocks(high, low, limit)
        shown = f"{limit.normalize():f}"  # "800", not "800.00"
        energy += [
            _energy_line(
                "A1/B1",
                _l("Energy, high tariff, first %(limit)s kWh", limit=shown),
                parts.block1_high,
                tariff.price_high,
            ),
            _energy_line(
                "A2/B1",
                _l("Energy, low tariff, first %(limit)s kWh", limit=shown),
                parts.block1_low,
                tariff.price_low,
            ),
            _energy_line(
                "A1/B2",
                _l("Energy, high tariff, above %(limit)s kWh", limit=shown),
                parts.block2_high,
                tariff.price_high_above,
            ),
            _energy_line(
                "A2/B2",
                _l("Energy, low tariff, above %(limit)s kWh", limit=shown),
                parts.block2_low,
                tariff.price_low_above,
            ),
        ]
    else:
        energy += [
            _energy_line("A1", _l("Energy, high tariff"), high, tariff.price_high),
            _energy_line("A2", _l("Energy, low tariff"), low, tariff.price_low),
        ]
    energy_amount = sum((line.amount for line in energy), ZERO)
    fee = money(tariff.fixed_fee)
    fee_line = BillLine("fixed_fee", _l("Fixed monthly fee"), Decimal(1), "month", fee, fee)
    taxable = energy_amount + fee
    vat_amount = money(taxable * tariff.vat_percent / HUNDRED)
    vat_line = BillLine(
        "vat",
        _l("VAT %(percent)s%%", percent=f"{tariff.vat_percent.normalize():f}"),
        taxable,
        "EUR",
        tariff.vat_percent / HUNDRED,
        vat_amount,
    )
    balance_line = BillLine("previous_balance", _l("Previous balance"), None, None, None, balance)
    lines = (*energy, fee_line, vat_line, balance_line)
    return BillLines(
        category=tariff.category,
        tariff=tariff,
        lines=lines,
        energy_amount=energy_amount,
        fixed_fee=fee,
        vat_amount=vat_amount,
        previous_balance=balance,
        total=sum((line.amount for line in lines), ZERO),
        kwh_high=high,
        kwh_low=low,
    )
