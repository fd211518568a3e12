"""Register reads and consumption: what a remote meter says now, and what a SOND meter cannot.

Remote meters send running totals of the high- and low-tariff registers. Consumption over a
span is the last read in it less the baseline: the last read at or before the span's start, or,
when the reads begin later, the first read inside it (so a meter whose reads start mid-month is
counted from its first read, never from zero). Registers only go up; a drop (a replaced meter)
counts as nothing rather than as a negative.

The unbilled span starts at local midnight (Europe/Belgrade) of the first day after the latest
bill's period, or of the current month when there is no bill yet. Manual (SOND) meters have no
reads between the reader's monthly visits: they show the monthly figures from their bills.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.bills.models import Bill
from ekesco_api.clock import local_midnight, next_period, period_bounds, period_of, period_start
from ekesco_api.i18n import _
from ekesco_api.meters import service as meter_service
from ekesco_api.meters.models import Reading
from ekesco_api.tariffs.errors import TariffNotFound
from ekesco_api.tariffs.models import Tariff
from ekesco_api.tariffs.service import compute_bill
from ekesco_api.types import utcnow

ZERO = Decimal("0")
RECENT_READS = 62  # two months of daily reads
MONTHLY_READS = 24


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


# ---------------------------------------------------------------------------------------------
# GET /meters/{id}/readings


@dataclass(frozen=True, slots=True)
class MonthlyRead:
    period: str
    kwh_high: Decimal
    kwh_low: Decimal
    bill_id: int

    @property
    def kwh_total(self) -> Decimal:
        return self.kwh_high + self.kwh_low


@dataclass(frozen=True, slots=True)
class CurrentConsumption:
    since: dt.datetime
    as_of: dt.datetime
    kwh_high: Decimal
    kwh_low: Decimal
    kwh_total: Decimal
    estimated_amount: Decimal | None


@dataclass(frozen=True, slots=True)
class ReadingsView:
    meter_id: int
    reading_mode: str
    reads: list[RegisterRead]
    monthly: list[MonthlyRead]
    current: CurrentConsumption | None
    note: str | None


def meter_readings(
    session: Session,
    *,
    account_id: int,
    meter_id: int,
    language: str = "sq",
    now: dt.datetime | None = None,
) -> ReadingsView:
    """Recent reads and the consumption since the last bill (remote), or monthly reads only."""
    meter = meter_service.get_meter(
        session, account_id=account_id, meter_id=meter_id, language=language
    )
    bills = session.execute(
        select(Bill.id, Bill.period, Bill.kwh_high, Bill.kwh_low)
        .where(Bill.supply_point_id == meter.supply_point_id)
        .order_by(Bill.period.desc(), Bill.issued_on.desc(), Bill.id.desc())
        .limit(MONTHLY_READS)
    ).all()
    monthly = [MonthlyRead(b.period, b.kwh_high, b.kwh_low, b.id) for b in bills]
    if meter.reading_mode != "remote":
        return ReadingsView(
            meter_id=meter.id,
            reading_mode=meter.reading_mode,
            reads=[],
            monthly=monthly,
            current=None,
            note=_(
                "This meter is read by hand (SOND) once a month, when a reader visits, so there "
                "is no current consumption between bills. Its monthly reads come with the bills."
            ),
        )

    recent = session.execute(
        select(Reading.read_at, Reading.kwh_high_total, Reading.kwh_low_total)
        .where(Reading.meter_id == meter.id)
        .order_by(Reading.read_at.desc())
        .limit(RECENT_READS)
    ).all()
    reads = [RegisterRead(*row) for row in recent]
    if not reads:
        return ReadingsView(
            meter_id=meter.id,
            reading_mode=meter.reading_mode,
            reads=[],
            monthly=monthly,
            current=None,
            note=_("No remote read of this meter has arrived yet."),
        )

    unbilled = next_period(bills[0].period) if bills else period_of(now or utcnow())
    since = local_midnight(period_start(unbilled))
    span = reads_from(session, meter_id=meter.id, start=since)
    used = consumption_between(span, since)
    current = None
    note = None
    if used is None:
        note = _("No remote read of this meter has arrived since the last bill yet.")
    else:
        tariffs = session.scalars(select(Tariff).where(Tariff.category == meter.category)).all()
        current = CurrentConsumption(
            since=used.since,
            as_of=used.as_of,
            kwh_high=used.kwh_high,
            kwh_low=used.kwh_low,
            kwh_total=used.kwh_total,
            estimated_amount=estimate_amount(
                tariffs, category=meter.category, reads=span, since=used.since
            ),
        )
    return ReadingsView(
        meter_id=meter.id,
        reading_mode=meter.reading_mode,
        reads=reads,
        monthly=monthly,
        current=current,
        note=note,
    )
