"""Telling every affected account about an outage: set-based inserts in the caller's transaction.

Who is affected: active accounts whose own supply point, or the supply point of a meter added
to the account, lies in an area the outage covers (the named areas and everything below
them), and accounts that follow an area the outage touches
(covered, or above a named area: following a city means hearing about its neighbourhoods).

The three language variants are rendered once; `CASE accounts.language` picks one per row, so
an announcement to 100,000 accounts is a handful of `INSERT … SELECT` statements, not a loop.
Every account gets an inbox notification; the outbox gets one message per channel it chose
(push: one per device, SMS: its phone, e-mail: its address). The worker delivers the outbox.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import STATUS_ACTIVE, Account
from ekesco_api.areas import service as area_service
from ekesco_api.areas.models import Area
from ekesco_api.clock import ZONE
from ekesco_api.i18n import LANGUAGES, _, language
from ekesco_api.meters.account_models import AccountMeter
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.notifications.models import (
    STATUS_QUEUED,
    Device,
    Message,
    Notification,
    NotificationChannels,
)
from ekesco_api.outages.models import (
    STATUS_CANCELLED,
    AreaSubscription,
    Outage,
    OutageArea,
    OutageReminder,
)
from ekesco_api.types import UtcDateTime

KIND_ANNOUNCED = "outage_announced"
KIND_RESCHEDULED = "outage_rescheduled"
KIND_CANCELLED = "outage_cancelled"
KIND_REMINDER = "outage_reminder"
# The evening before an outage, local time, when the reminder goes out.
REMINDER_HOUR = 18
# How many area names a message lists before it says "and N more".
NAMES_SHOWN = 4


@dataclass(frozen=True)
class Text:
    """One message in the three languages: title (subject) and body."""

    title: dict[str, str]
    body: dict[str, str]


def outage_area_ids(session: Session, outage_id: int) -> list[int]:
    return list(
        session.scalars(
            select(OutageArea.area_id)
            .where(OutageArea.outage_id == outage_id)
            .order_by(OutageArea.area_id)
        )
    )


def affected(session: Session, outage_id: int) -> ColumnElement[bool]:
    """The condition on `accounts` that the active accounts an outage concerns meet.

    A condition rather than a SELECT of ids, so the fan-out's INSERT … SELECT FROM accounts
    reads accounts once: `accounts.id IN (SELECT ids)` would join a second copy of the table.
    """
    named = outage_area_ids(session, outage_id)
    covered = area_service.descendants_and_self(session, named)
    followed = covered | area_service.ancestors_and_self(session, named)
    by_supply_point = (
        select(Account.id)
        .join(SupplyPoint, SupplyPoint.id == Account.supply_point_id)
        .where(SupplyPoint.area_id.in_(covered))
    )
    by_meter = (
        select(AccountMeter.account_id)
        .join(SupplyPoint, SupplyPoint.id == AccountMeter.supply_point_id)
        .where(SupplyPoint.area_id.in_(covered))
    )
    by_subscription = select(AreaSubscription.account_id).where(
        AreaSubscription.area_id.in_(followed)
    )
    ids = union(by_supply_point, by_meter, by_subscription).subquery()
    return and_(Account.id.in_(select(ids.c[0])), _active())


def meter_area_ids(session: Session, account_id: int) -> set[int]:
    """The areas of an account's own supply point and of every meter added to it."""
    own = select(SupplyPoint.area_id).join(Account, Account.supply_point_id == SupplyPoint.id)
    added = select(SupplyPoint.area_id).join(
        AccountMeter, AccountMeter.supply_point_id == SupplyPoint.id
    )
    found = session.scalars(
        union(
            own.where(Account.id == account_id), added.where(AccountMeter.account_id == account_id)
        )
    )
    return {area for area in found if area is not None}


def _active() -> ColumnElement[bool]:
    return Account.status == STATUS_ACTIVE


# ------------------------------------------------------------------------------- rendering


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(ZONE)


def _when(moment: dt.datetime) -> str:
    return local(moment).strftime("%d.%m.%Y %H:%M")


def _places(areas: list[Area], code: str) -> str:
    names = [area.name_in(code) for area in areas]
    if len(names) <= NAMES_SHOWN:
        return ", ".join(names)
    shown = ", ".join(names[:NAMES_SHOWN])
    return _("%(places)s and %(count)d more", places=shown, count=len(names) - NAMES_SHOWN)


def render(outage: Outage, kind: str, *, previous_start: dt.datetime | None = None) -> Text:
    """The notification of `kind` about `outage`, in every language."""
    titles: dict[str, str] = {}
    bodies: dict[str, str] = {}
    reasons = outage.reason()
    for code in LANGUAGES:
        with language(code):
            places = _places(list(outage.areas), code)
            start, end, reason = _when(outage.starts_at), _when(outage.ends_at), reasons[code]
            planned = outage.kind == "planned"
            if kind == KIND_ANNOUNCED:
                title = _("Planned power outage") if planned else _("Power outage")
                body = _(
                    "No electricity in %(places)s from %(start)s to %(end)s. Reason: %(reason)s",
                    places=places,
                    start=start,
                    end=end,
                    reason=reason,
                )
            elif kind == KIND_RESCHEDULED:
                title = _("Power outage rescheduled")
                body = _(
                    "The outage in %(places)s now runs from %(start)s to %(end)s. "
                    "Reason: %(reason)s",
                    places=places,
                    start=start,
                    end=end,
                    reason=reason,
                )
            elif kind == KIND_CANCELLED:
                title = _("Power outage cancelled")
                body = _(
                    "The outage in %(places)s planned from %(start)s is cancelled.",
                    places=places,
                    start=_when(previous_start or outage.starts_at),
                )
            else:
                title = _("Power outage tomorrow")
                body = _(
                    "Reminder: no electricity in %(places)s from %(start)s to %(end)s.",
                    places=places,
                    start=start,
                    end=end,
                )
            titles[code], bodies[code] = str(title), str(body)
    return Text(title=titles, body=bodies)


def _per_language(variants: dict[str, str]) -> ColumnElement[str]:
    """The variant in each account's own language, chosen by the database row by row."""
    return case(
        (Account.language == "en", literal(variants["en"])),
        (Account.language == "sr", literal(variants["sr"])),
        else_=literal(variants["sq"]),
    )


# --------------------------------------------------------------------------------- writing


def _queue_outbox(
    session: Session,
    *,
    recipients: ColumnElement[bool],
    text: Text,
    kind: str,
    now: dt.datetime,
    channels: Iterable[str] = ("push", "sms", "email"),
) -> None:
    """One outbox message per chosen channel (per device for push) of each account that meets
    `recipients`."""
    at = literal(now, UtcDateTime())
    title, body = _per_language(text.title), _per_language(text.body)
    columns = [
        Message.account_id,
        Message.channel,
        Message.kind,
        Message.recipient,
        Message.subject,
        Message.body,
        Message.status,
        Message.attempts,
        Message.next_attempt_at,
        Message.created_at,
    ]
    base = (
        select(Account.id)
        .join(NotificationChannels, NotificationChannels.account_id == Account.id)
        .where(recipients)
    )
    common = (literal(kind), literal(STATUS_QUEUED), literal(0), at, at)

    def values(channel: str, recipient: Any, subject: Any) -> tuple[Any, ...]:
        return (
            Account.id,
            literal(channel),
            common[0],
            recipient,
            subject if subject is not None else null(),
            body,
            *common[1:],
        )

    wanted = set(channels)
    if "sms" in wanted:
        sms = base.where(NotificationChannels.sms.is_(True)).with_only_columns(
            *values("sms", Account.phone, None)
        )
        session.execute(insert(Message).from_select(columns, sms))
    if "email" in wanted:
        email = base.where(NotificationChannels.email.is_(True)).with_only_columns(
            *values("email", Account.email, title)
        )
        session.execute(insert(Message).from_select(columns, email))
    if "push" in wanted:
        push = (
            base.join(Device, Device.account_id == Account.id)
            .where(NotificationChannels.push.is_(True))
            .with_only_columns(*values("push", Device.push_token, title))
        )
        session.execute(insert(Message).from_select(columns, push))


def fan_out(
    session: Session,
    *,
    outage: Outage,
    kind: str,
    now: dt.datetime,
    previous_start: dt.datetime | None = None,
) -> None:
    """Write the inbox notification and the outbox messages of `kind` for every affected account.

    Runs inside the caller's transaction (the caller commits together with its change), so an
    outage is never announced without its notifications, nor the other way round.
    """
    session.flush()
    text = render(outage, kind, previous_start=previous_start)
    recipients = affected(session, outage.id)
    at = literal(now, UtcDateTime())
    inbox = select(
        Account.id,
        literal(kind),
        _per_language(text.title),
        _per_language(text.body),
        literal(outage.id),
        at,
    ).where(recipients)
    session.execute(
        insert(Notification).from_select(
            [
                Notification.account_id,
                Notification.kind,
                Notification.title,
                Notification.body,
                Notification.outage_id,
                Notification.created_at,
            ],
            inbox,
        )
    )
    _queue_outbox(session, recipients=recipients, text=text, kind=kind, now=now)


# ------------------------------------------------------------------------------- reminders


def reminder_due_from(starts_at: dt.datetime) -> dt.datetime:
    """18:00 local time on the day before the outage's local start day."""
    day_before = local(starts_at).date() - dt.timedelta(days=1)
    return dt.datetime.combine(day_before, dt.time(REMINDER_HOUR), tzinfo=ZONE)


def _evening_before(starts_at: dt.datetime, now: dt.datetime) -> bool:
    """From 18:00 until midnight (local) on the day before the outage's local start day.

    A run that comes later (cron stopped overnight) sends nothing: a "tomorrow" reminder on
    the day itself would be wrong, and the announcement is in the inbox anyway.
    """
    begins = reminder_due_from(starts_at)
    return begins <= now and local(now).date() == begins.date()


def send_reminders(session: Session, *, now: dt.datetime) -> int:
    """Queue the evening-before reminders that are due and not sent yet; commit; return how many.

    Only planned outages (a fault is announced as it happens) and only on that evening. Goes
    to accounts that chose SMS or push (the inbox already has the announcement). The
    unique key on (outage, account, start) makes this idempotent: a second run, or one running
    at the same time, finds nothing left or fails its insert and sends nothing.
    """
    horizon = now + dt.timedelta(days=2)
    candidates = session.scalars(
        select(Outage).where(
            Outage.status != STATUS_CANCELLED,
            Outage.starts_at > now,
            Outage.starts_at <= horizon,
        )
    ).all()
    due = [o for o in candidates if o.kind == "planned" and _evening_before(o.starts_at, now)]
    queued = 0
    for outage in due:
        for _attempt in range(2):
            try:
                queued += _remind(session, outage=outage, now=now)
                session.commit()
                break
            except IntegrityError:
                # Another run reminded some of these accounts at the same moment: start over.
                session.rollback()
    return queued


def _remind(session: Session, *, outage: Outage, now: dt.datetime) -> int:
    run = uuid.uuid4().hex
    already = exists().where(
        OutageReminder.outage_id == outage.id,
        OutageReminder.account_id == Account.id,
        OutageReminder.starts_at == outage.starts_at,
    )
    has_device = exists().where(Device.account_id == Account.id)
    chosen = (
        select(Account.id)
        .join(NotificationChannels, NotificationChannels.account_id == Account.id)
        .where(
            affected(session, outage.id),
            or_(
                NotificationChannels.sms.is_(True),
                and_(NotificationChannels.push.is_(True), has_device),
            ),
            ~already,
        )
    )
    at = literal(now, UtcDateTime())
    session.execute(
        insert(OutageReminder).from_select(
            [
                OutageReminder.outage_id,
                OutageReminder.account_id,
                OutageReminder.starts_at,
                OutageReminder.run_id,
                OutageReminder.created_at,
            ],
            chosen.with_only_columns(
                literal(outage.id),
                Account.id,
                literal(outage.starts_at, UtcDateTime()),
                literal(run),
                at,
            ),
        )
    )
    mine = select(OutageReminder.account_id).where(
        OutageReminder.outage_id == outage.id, OutageReminder.run_id == run
    )
    # Counted, not taken from rowcount: drivers do not all report it for INSERT … SELECT.
    count = session.scalar(select(func.count()).select_from(mine.subquery())) or 0
    if count:
        _queue_outbox(
            session,
            recipients=Account.id.in_(mine.scalar_subquery()),
            text=render(outage, KIND_REMINDER),
            kind=KIND_REMINDER,
            now=now,
            channels=("sms", "push"),
        )
    return count
