"""GET /meters/{id}/readings: what a remote meter says now, and what a SOND meter cannot.

The unbilled span starts at local midnight (Europe/Belgrade) of the first day after the latest
bill's period, or of the current month when there is no bill yet. Manual (SOND) meters have no
reads between the reader's monthly visits: they show the monthly figures from their bills.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.bills.models import Bill
from ekesco_api.clock import local_midnight, next_period, period_of, period_start
from ekesco_api.i18n import _
from ekesco_api.meters import service as meter_service
from ekesco_api.meters.models import Reading
from ekesco_api.meters.registers import (
    RegisterRead,
    consumption_between,
    estimate_amount,
    reads_from,
)
from ekesco_api.tariffs.models import Tariff
from ekesco_api.types import utcnow

RECENT_READS = 62  # two months of daily reads
MONTHLY_READS = 24


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
        return _monthly_only(
            meter,
            monthly,
            _(
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
        return _monthly_only(meter, monthly, _("No remote read of this meter has arrived yet."))

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


def _monthly_only(
    meter: meter_service.MeterView, monthly: list[MonthlyRead], note: str
) -> ReadingsView:
    """No register reads to show: the billed months, and why there is nothing more."""
    return ReadingsView(
        meter_id=meter.id,
        reading_mode=meter.reading_mode,
        reads=[],
        monthly=monthly,
        current=None,
        note=note,
    )
