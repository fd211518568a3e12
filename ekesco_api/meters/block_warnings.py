"""The 800 kWh block warning: tell a household before its month's use reaches the dearer block.

Households pay the first `block_kwh` (800) kWh of each month at one price and the rest at
nearly twice that (domain page, "Meters and bills"). For remote-read household meters on an
account, once the current local month's consumption passes the threshold (config
`BLOCK_WARNING_KWH`, 700 by default), the account gets one message, in its own language, per
meter and month. The block limit comes from the tariff in force (dated data), so the warning
follows the regulator; without a block there is nothing to warn about.

Run after each import of reads: `flask --app wsgi ekesco block-warnings`, or
`send_block_warnings(session)` from the import. Safe to run as often as wanted and from several
processes at once: a `BlockWarning` row with a unique (meter, month) key is inserted in the
same transaction as the message, so a second run or a racing worker sends nothing.

Where it goes: always into the account's in-app inbox; then as a push notification to each
device the account registered, or, when it has none, by e-mail, so that everyone hears of it
once on the channel they are most likely to see in time.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from flask import current_app, has_app_context
from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from ekesco_api.accounts.models import STATUS_ACTIVE, Account
from ekesco_api.clock import local_date, period_bounds, period_of
from ekesco_api.i18n import _, language
from ekesco_api.meters.account_models import AccountMeter, BlockWarning
from ekesco_api.meters.models import Meter, Reading, SupplyPoint
from ekesco_api.notifications.models import Device
from ekesco_api.notifications.service import notify_account
from ekesco_api.tariffs.errors import TariffNotFound
from ekesco_api.tariffs.service import tariff_on
from ekesco_api.types import utcnow

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD_KWH = Decimal(700)
KIND = "block_warning"


@dataclass
class BlockWarningReport:
    period: str
    over_threshold: int = 0
    sent: int = 0
    already_sent: int = 0
    no_account: int = 0

    def summary(self) -> str:
        return (
            f"{self.period}: {self.over_threshold} meters over the threshold, {self.sent} warned, "
            f"{self.already_sent} already warned, {self.no_account} on no active account"
        )


def configured_threshold() -> Decimal:
    raw = current_app.config.get("BLOCK_WARNING_KWH") if has_app_context() else None
    return Decimal(str(raw)) if raw not in (None, "") else DEFAULT_THRESHOLD_KWH


def month_consumption(session: Session, *, period: str) -> dict[int, Decimal]:
    """kWh used so far in a local month by each remote household meter not yet warned.

    One statement: per meter, the highest register total in the month less the last total
    before it (or the month's first, when the reads begin inside it).
    """
    start, end = period_bounds(period)
    total = Reading.kwh_high_total + Reading.kwh_low_total
    before = aliased(Reading)
    baseline = (
        select(before.kwh_high_total + before.kwh_low_total)
        .where(before.meter_id == Reading.meter_id, before.read_at <= start)
        .order_by(before.read_at.desc())
        .limit(1)
        .correlate(Reading)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Reading.meter_id,
            func.max(total).label("last"),
            func.min(total).label("first"),
            baseline.label("baseline"),
        )
        .join(Meter, Meter.id == Reading.meter_id)
        .join(SupplyPoint, SupplyPoint.id == Meter.supply_point_id)
        .where(
            Reading.read_at > start,
            Reading.read_at < end,
            Meter.reading_mode == "remote",
            SupplyPoint.category == "household",
            ~exists().where(
                BlockWarning.meter_id == Reading.meter_id, BlockWarning.period == period
            ),
        )
        .group_by(Reading.meter_id)
    ).all()
    used: dict[int, Decimal] = {}
    for meter_id, last, first, base in rows:
        start_total = base if base is not None else first
        used[meter_id] = max(Decimal(last) - Decimal(start_total), Decimal(0))
    return used


@dataclass(frozen=True)
class _Recipient:
    meter_id: int
    meter_number: str
    customer_code: str
    account_id: int
    email: str
    language: str


def _recipients(session: Session, meter_ids: list[int]) -> dict[int, _Recipient]:
    """The active account each meter is on; the registration's own holder first."""
    rows = session.execute(
        select(
            Meter.id,
            Meter.meter_number,
            SupplyPoint.customer_code,
            Account.id,
            Account.email,
            Account.language,
            (Account.supply_point_id == Meter.supply_point_id).label("own"),
        )
        .join(SupplyPoint, SupplyPoint.id == Meter.supply_point_id)
        .join(
            Account,
            or_(
                Account.supply_point_id == Meter.supply_point_id,
                Account.id.in_(
                    select(AccountMeter.account_id).where(AccountMeter.meter_id == Meter.id)
                ),
            ),
        )
        .where(Meter.id.in_(meter_ids), Account.status == STATUS_ACTIVE)
    ).all()
    found: dict[int, _Recipient] = {}
    for row in sorted(rows, key=lambda r: not r.own):
        found.setdefault(row[0], _Recipient(*row[:6]))
    return found


def _devices(session: Session, account_ids: list[int]) -> dict[int, list[str]]:
    """The push tokens of each account's devices (one statement)."""
    found: dict[int, list[str]] = {}
    rows = session.execute(
        select(Device.account_id, Device.push_token)
        .where(Device.account_id.in_(account_ids))
        .order_by(Device.id)
    )
    for account_id, token in rows:
        found.setdefault(account_id, []).append(token)
    return found


def _kwh(value: Decimal) -> str:
    return f"{value.quantize(Decimal(1), rounding=ROUND_DOWN)}"


def send_block_warnings(
    session: Session, *, now: dt.datetime | None = None, threshold_kwh: Decimal | None = None
) -> BlockWarningReport:
    """Warn every account whose remote household meter passed the threshold this month.

    Commits once per warning (the warning row and its messages together).
    """
    instant = now or utcnow()
    period = period_of(instant)
    report = BlockWarningReport(period=period)
    threshold = threshold_kwh if threshold_kwh is not None else configured_threshold()
    try:
        tariff = tariff_on(session, category="household", on=local_date(instant))
    except TariffNotFound:
        log.warning("no household tariff in force on %s: no block warnings", instant.date())
        return report
    if tariff.block_kwh is None:
        return report  # no blocks, nothing to warn about
    used = {
        m: kwh for m, kwh in month_consumption(session, period=period).items() if kwh >= threshold
    }
    report.over_threshold = len(used)
    recipients = _recipients(session, sorted(used)) if used else {}
    devices = _devices(session, sorted({r.account_id for r in recipients.values()}))
    for meter_id, kwh in sorted(used.items()):
        recipient = recipients.get(meter_id)
        if recipient is None:
            report.no_account += 1
            continue
        try:
            with session.begin_nested():
                session.add(
                    BlockWarning(
                        meter_id=meter_id,
                        period=period,
                        account_id=recipient.account_id,
                        kwh=kwh,
                        threshold_kwh=threshold,
                    )
                )
                session.flush()
        except IntegrityError:
            report.already_sent += 1  # another run got there first
            continue
        with language(recipient.language):
            subject = _("You are nearing %(block)s kWh this month", block=_kwh(tariff.block_kwh))
            body = _(
                "Meter %(meter)s (customer code %(code)s) has used %(kwh)s kWh so far this month. "
                "Above %(block)s kWh a month, each kWh costs nearly twice as much. "
                "Using less until the month ends keeps your bill in the lower block.",
                meter=recipient.meter_number,
                code=recipient.customer_code,
                kwh=_kwh(kwh),
                block=_kwh(tariff.block_kwh),
            )
        notify_account(
            session,
            account_id=recipient.account_id,
            email=recipient.email,
            push_tokens=devices.get(recipient.account_id, []),
            kind=KIND,
            title=subject,
            body=body,
        )
        session.commit()
        report.sent += 1
    session.commit()
    return report
