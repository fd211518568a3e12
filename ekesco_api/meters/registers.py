"""Register reads and consumption: what a remote meter's registers counted over a span.

Remote meters send running totals of the high- and low-tariff registers. Consumption over a
span is the last read in it less the baseline: the last read at or before the span's start, or,
when the reads begin later, the first read inside it (so a meter whose reads start mid-month is
counted from its first read, never from zero). Registers only go up; a drop (a replaced meter)
counts as nothing rather than as a negative.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.clock import next_period, period_bounds, period_of, period_start
from ekesco_api.meters.models import Reading
from ekesco_api.tariffs.errors import TariffNotFound
from ekesco_api.tariffs.models import Tariff
from ekesco_api.tariffs.service import compute_bill

ZERO = Decimal("0")


# ---------------------------------------------------------------------------------------------
# Consumption from register reads


@dataclass(frozen=True, slots=True)
class RegisterRead:
    read_at: dt.datetime
    kwh_high_total: Decimal
    kwh_low_total: Decimal


@dataclass(frozen=True, slots=True)
class Consumption:
    since: dt.datetime
    as_of: dt.datetime
    kwh_high: Decimal
    kwh_low: Decimal

    @property
    def kwh_total(self) -> Decimal:
        return self.kwh_high + self.kwh_low


def consumption_between(
    reads: Sequence[RegisterRead], start: dt.datetime, end: dt.datetime | None = None
) -> Consumption | None:
    """What the registers counted from `start` to the last read before `end` (reads sorted)."""
    inside = [r for r in reads if r.read_at > start and (end is None or r.read_at < end)]
    if not inside:
        return None
    before = [r for r in reads if r.read_at <= start]
    baseline = before[-1] if before else inside[0]
    last = inside[-1]
    return Consumption(
        since=start if before else baseline.read_at,
        as_of=last.read_at,
        kwh_high=max(last.kwh_high_total - baseline.kwh_high_total, ZERO),
        kwh_low=max(last.kwh_low_total - baseline.kwh_low_total, ZERO),
    )


def reads_from(session: Session, *, meter_id: int, start: dt.datetime) -> list[RegisterRead]:
    """The meter's reads after `start`, oldest first, with the last one at or before it."""
    baseline = session.execute(
        select(Reading.read_at, Reading.kwh_high_total, Reading.kwh_low_total)
        .where(Reading.meter_id == meter_id, Reading.read_at <= start)
        .order_by(Reading.read_at.desc())
        .limit(1)
    ).all()
    after = session.execute(
        select(Reading.read_at, Reading.kwh_high_total, Reading.kwh_low_total)
        .where(Reading.meter_id == meter_id, Reading.read_at > start)
        .order_by(Reading.read_at)
    ).all()
    return [RegisterRead(*row) for row in (*baseline, *after)]


def estimate_amount(
    tariffs: Iterable[Tariff], *, category: str, reads: Sequence[RegisterRead], since: dt.datetime
) -> Decimal | None:
    """Energy, fixed fee and VAT for the unbilled months so far, by the tariffs in force.

    Each calendar month is priced on its own (the household blocks are monthly), so a span
    that crosses a month's end is not pushed into the upper block. `None` when a month has no
    tariff.
    """
    rows = list(tariffs)
    if not reads:
        return None
    total = ZERO
    period = period_of(since)
    last = period_of(reads[-1].read_at)
    while period <= last:
        start, end = period_bounds(period)
        used = consumption_between(reads, max(start, since), end)
        if used is not None:
            try:
                bill = compute_bill(
                    rows,
                    category=category,
                    period_start=period_start(period),
                    kwh_high=used.kwh_high,
                    kwh_low=used.kwh_low,
                )
            except TariffNotFound:
                return None
            total += bill.total
        period = next_period(period)
    return total
