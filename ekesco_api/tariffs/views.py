"""What GET /tariffs and GET /tariffs/now answer: the day's tariffs, its periods, the period now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ekesco_api.clock import ZONE, ZONE_NAME, local_today
from ekesco_api.tariffs import periods
from ekesco_api.tariffs.engine import ZERO
from ekesco_api.tariffs.errors import TariffNotFound
from ekesco_api.tariffs.models import Tariff
from ekesco_api.tariffs.service import AnySession, tariffs_on
from ekesco_api.types import utcnow


@dataclass(frozen=True)
class HoursView:
    from_: str
    to: str


@dataclass(frozen=True)
class PeriodsView:
    high: HoursView
    low: HoursView
    zone: str = ZONE_NAME


@dataclass(frozen=True)
class BlockView:
    block: int
    from_kwh: Decimal
    up_to_kwh: Decimal | None
    price_high: Decimal
    price_low: Decimal


@dataclass(frozen=True)
class DecisionView:
    number: str
    date: dt.date
    title: str
    url: str | None


@dataclass(frozen=True)
class TariffView:
    category: str
    valid_from: dt.date
    valid_to: dt.date | None
    blocks: tuple[BlockView, ...]
    fixed_fee: Decimal
    vat_percent: Decimal
    decision: DecisionView
    note: str | None
    currency: str = "EUR"


@dataclass(frozen=True)
class TariffDay:
    on: dt.date
    periods: PeriodsView
    tariffs: tuple[TariffView, ...]
    zone: str = ZONE_NAME


@dataclass(frozen=True)
class PeriodNow:
    period: str
    until: dt.datetime  # local time, with its offset
    until_utc: dt.datetime
    zone: str = ZONE_NAME


def periods_on(day: dt.date) -> PeriodsView:
    """The high and low hours of a day, local wall-clock time."""
    high_from, high_until = periods.high_hours_on(day)
    next_from = periods.high_hours_on(day + dt.timedelta(days=1))[0]
    return PeriodsView(
        high=HoursView(from_=f"{high_from:%H:%M}", to=f"{high_until:%H:%M}"),
        low=HoursView(from_=f"{high_until:%H:%M}", to=f"{next_from:%H:%M}"),
    )


def tariff_view(tariff: Tariff) -> TariffView:
    """A tariff row as clients see it: blocks with their limits, the decision as a citation."""
    if tariff.block_kwh is not None:
        assert tariff.price_high_above is not None and tariff.price_low_above is not None
        blocks: tuple[BlockView, ...] = (
            BlockView(1, ZERO, tariff.block_kwh, tariff.price_high, tariff.price_low),
            BlockView(2, tariff.block_kwh, None, tariff.price_high_above, tariff.price_low_above),
        )
    else:
        blocks = (BlockView(1, ZERO, None, tariff.price_high, tariff.price_low),)
    return TariffView(
        category=tariff.category,
        valid_from=tariff.valid_from,
        valid_to=tariff.valid_to,
        blocks=blocks,
        fixed_fee=tariff.fixed_fee,
        vat_percent=tariff.vat_percent,
        decision=DecisionView(
            number=tariff.decision_number,
            date=tariff.decision_date,
            title=tariff.decision_title,
            url=tariff.source_url,
        ),
        note=tariff.note,
    )


def tariff_day(
    session: AnySession, *, on: dt.date | None = None, now: dt.datetime | None = None
) -> TariffDay:
    """The tariffs in force on a day (today in Kosovo by default) with that day's periods."""
    day = on or local_today(now or utcnow())
    found = tariffs_on(session, on=day)
    if not found:
        raise TariffNotFound()
    return TariffDay(on=day, periods=periods_on(day), tariffs=tuple(tariff_view(t) for t in found))


def current_period(now: dt.datetime | None = None) -> PeriodNow:
    """The period now and when it ends, in local time and in UTC."""
    instant = now or utcnow()
    period, until_utc = periods.period_at(instant)
    return PeriodNow(period=period, until=until_utc.astimezone(ZONE), until_utc=until_utc)
