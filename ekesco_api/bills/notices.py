"""Telling an account about its bills: a new bill, and a reminder before a bill is due.

- **A new bill**: when the CIS import brings a bill not yet due, the account its code is on is
  told its amount and due date (`queue_new_bills`, called by the import for each bills.csv).
- **Due soon**: from three days before a bill's due date to the day itself, while money is
  still owed on it (`bills.dues`), the account is reminded (`queue_due_reminders`).

Each at most once per bill, whatever the number of imports, runs or workers: a notice is a
`BillNotice` row with a unique (bill, kind), claimed by one `INSERT … SELECT … ON CONFLICT DO
NOTHING` for the whole file or day, so queueing costs the import one statement, however many
bills it brings. `send_bill_notices` then delivers what is queued in batches: a batch is
claimed with FOR UPDATE SKIP LOCKED (SQLite's writer lock serialises instead), written to the
inbox and the outbox, and marked sent in the same transaction, so two workers never send the
same notice and a worker that dies sends nothing twice. A notice the customer switched off
(`notifications.preferences`), one whose account is gone, or a reminder of a bill paid
meanwhile is marked skipped.

Where it goes: the inbox, and each channel the account chose (push to every device, SMS,
e-mail), in the account's language. `flask --app wsgi ekesco bill-reminders` queues the day's
reminders and sends what is queued; run it every few minutes from cron, on as many machines as
wanted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import STATUS_ACTIVE, Account
from ekesco_api.bills.dues import still_owed
from ekesco_api.bills.models import (
    NOTICE_DUE,
    NOTICE_ISSUED,
    NOTICE_QUEUED,
    NOTICE_SENT,
    NOTICE_SKIPPED,
    Bill,
    BillNotice,
)
from ekesco_api.clock import local_date
from ekesco_api.formatting import format_date, format_money, format_period
from ekesco_api.i18n import _, language
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.meters.ownership import supply_point_holders
from ekesco_api.notifications.models import (
    STATUS_QUEUED,
    Device,
    Message,
    MutedKind,
    Notification,
    NotificationChannels,
)
from ekesco_api.types import UtcDateTime, utcnow

# A reminder goes from this many days before the due date (local calendar days) to the day.
REMINDER_DAYS = 3
BATCH_SIZE = 500


def _insert_once(session: Session, kind: str, bills: Select[Any], now: dt.datetime) -> None:
    """Queue a notice of `kind` for each bill `bills` selects (bills.id, account id): one
    statement; a bill that has one already is skipped by the unique key."""
    dialect = session.get_bind().dialect.name
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = bills.add_columns(literal(kind), literal(NOTICE_QUEUED), literal(now, UtcDateTime()))
    statement = insert_fn(BillNotice).from_select(
        ["bill_id", "account_id", "kind", "status", "created_at"], rows
    )
    session.execute(statement.on_conflict_do_nothing(index_elements=["bill_id", "kind"]))


def _bills_on_accounts() -> Select[Any]:
    holders = supply_point_holders().subquery()
    # In bill order: two runs inserting the same notices at once then take the unique key's
    # locks in the same order, and one waits for the other instead of deadlocking.
    return (
        select(Bill.id, holders.c.account_id)
        .join(holders, holders.c.supply_point_id == Bill.supply_point_id)
        .order_by(Bill.id)
    )


def queue_new_bills(
    session: Session, *, bill_ids: Select[Any], now: dt.datetime | None = None
) -> None:
    """Queue the new-bill notice of each bill in `bill_ids` that is on an active account and
    not yet due (an old bill loaded late is history, not news). In the caller's transaction."""
    now = now or utcnow()
    bills = _bills_on_accounts().where(Bill.id.in_(bill_ids), Bill.due_on >= local_date(now))
    _insert_once(session, NOTICE_ISSUED, bills, now)


def queue_due_reminders(session: Session, *, now: dt.datetime | None = None) -> None:
    """Queue the reminder of each bill due within `REMINDER_DAYS` (local days, today included)
    with money still owed on it. In the caller's transaction."""
    now = now or utcnow()
    today = local_date(now)
    bills = _bills_on_accounts().where(
        Bill.due_on.between(today, today + dt.timedelta(days=REMINDER_DAYS)), still_owed() > 0
    )
    _insert_once(session, NOTICE_DUE, bills, now)


@dataclass
class NoticeReport:
    sent: int = 0
    skipped: int = 0
    messages: int = 0

    def summary(self) -> str:
        return (
            f"{self.sent} sent ({self.messages} messages besides the inbox), {self.skipped} skipped"
        )


def send_bill_notices(
    session: Session, *, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE
) -> NoticeReport:
    """Deliver every queued notice, a batch per transaction; safe beside other workers."""
    report = NoticeReport()
    while _send_batch(session, now=now or utcnow(), batch_size=batch_size, report=report):
        pass
    return report


def remind_and_send(session: Session, *, now: dt.datetime | None = None) -> NoticeReport:
    """What `ekesco bill-reminders` does: queue today's reminders, then send what is queued."""
    now = now or utcnow()
    queue_due_reminders(session, now=now)
    session.commit()
    return send_bill_notices(session, now=now)


_DETAILS = (
    select(
        BillNotice.id,
        BillNotice.kind,
        BillNotice.account_id,
        Bill.period,
        Bill.due_on,
        still_owed().label("owed"),
        SupplyPoint.customer_code,
        Account.status,
        Account.language,
        Account.email,
        Account.phone,
    )
    .join(Bill, Bill.id == BillNotice.bill_id)
    .join(SupplyPoint, SupplyPoint.id == Bill.supply_point_id)
    .outerjoin(Account, Account.id == BillNotice.account_id)
    .order_by(BillNotice.id)
)


def _send_batch(
    session: Session, *, now: dt.datetime, batch_size: int, report: NoticeReport
) -> bool:
    claimed = list(
        session.scalars(
            select(BillNotice.id)
            .where(BillNotice.status == NOTICE_QUEUED)
            .order_by(BillNotice.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
    )
    if not claimed:
        session.commit()
        return False
    rows = session.execute(_DETAILS.where(BillNotice.id.in_(claimed))).all()
    accounts = sorted({row.account_id for row in rows if row.account_id is not None})
    muted = _muted(session, accounts)
    channels = _channels(session, accounts)
    inbox: list[dict[str, Any]] = []
    outbox: list[dict[str, Any]] = []
    sent, skipped = [], []
    for row in rows:
        if (
            row.status != STATUS_ACTIVE
            or (row.account_id, row.kind) in muted
            or (row.kind == NOTICE_DUE and row.owed <= 0)
        ):
            skipped.append(row.id)
            continue
        text = _render(row)
        inbox.append(
            {
                "account_id": row.account_id,
                "kind": row.kind,
                "title": text.title,
                "body": text.body,
                "created_at": now,
            }
        )
        for channel, to in channels.get(row.account_id, ()):
            body = text.sms if channel == "sms" else text.body
            subject = None if channel == "sms" else text.title
            outbox.append(_message(row, channel, to, subject, body, now))
        sent.append(row.id)
    if inbox:
        session.execute(insert(Notification), inbox)
    if outbox:
        session.execute(insert(Message), outbox)
    for ids, status in ((sent, NOTICE_SENT), (skipped, NOTICE_SKIPPED)):
        if ids:
            session.execute(
                update(BillNotice)
                .where(BillNotice.id.in_(ids))
                .values(status=status, sent_at=now)
                .execution_options(synchronize_session=False)
            )
    session.commit()
    report.sent += len(sent)
    report.skipped += len(skipped)
    report.messages += len(outbox)
    return True


def _message(
    row: Any, channel: str, to: str, subject: str | None, body: str, now: dt.datetime
) -> dict[str, Any]:
    return {
        "account_id": row.account_id,
        "channel": channel,
        "kind": row.kind,
        "recipient": to,
        "subject": subject,
        "body": body,
        "secret": False,
        "status": STATUS_QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _muted(session: Session, accounts: Sequence[int]) -> set[tuple[int, str]]:
    rows = session.execute(
        select(MutedKind.account_id, MutedKind.kind).where(MutedKind.account_id.in_(accounts))
    )
    return {(account_id, kind) for account_id, kind in rows}


def _channels(session: Session, accounts: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """Each account's chosen channels with their addresses: a push per device, its phone for
    SMS, its e-mail (none chosen: the inbox alone)."""
    found: dict[int, list[tuple[str, str]]] = {}
    chosen = session.execute(
        select(
            NotificationChannels.account_id,
            NotificationChannels.sms,
            NotificationChannels.email,
            NotificationChannels.push,
            Account.phone,
            Account.email,
        )
        .join(Account, Account.id == NotificationChannels.account_id)
        .where(NotificationChannels.account_id.in_(accounts))
    ).all()
    tokens: dict[int, list[str]] = {}
    for account_id, token in session.execute(
        select(Device.account_id, Device.push_token)
        .where(Device.account_id.in_(accounts))
        .order_by(Device.id)
    ):
        tokens.setdefault(account_id, []).append(token)
    for account_id, sms, email, push, phone, address in chosen:
        wanted = found.setdefault(account_id, [])
        if push:
            wanted.extend(("push", token) for token in tokens.get(account_id, ()))
        if sms:
            wanted.append(("sms", phone))
        if email:
            wanted.append(("email", address))
    return found


@dataclass(frozen=True, slots=True)
class _Text:
    title: str
    body: str
    sms: str


def _render(row: Any) -> _Text:
    """The notice in the account's language. An SMS names the code by its last digits only:
    a verification code is the only run of six digits an SMS of ours may carry."""
    lang = row.language or "sq"
    owed: Decimal = row.owed
    with language(lang):
        values = {
            "period": format_period(row.period, lang),
            "code": row.customer_code,
            "last": row.customer_code[-3:],
            "amount": format_money(owed, lang),
            "due": format_date(row.due_on, lang),
        }
        if row.kind == NOTICE_DUE:
            title = _("Your bill is due on %(due)s", **values)
            body = _(
                "%(amount)s is still owed on the bill for %(period)s of customer code %(code)s, "
                "due on %(due)s. You can pay it in the app.",
                **values,
            )
            sms = _(
                "eKesco: %(amount)s is still owed on your bill for %(period)s (customer code "
                "ending in %(last)s), due on %(due)s.",
                **values,
            )
        elif owed > 0:
            title = _("Your bill for %(period)s", **values)
            body = _(
                "The bill for %(period)s of customer code %(code)s is %(amount)s, to pay by "
                "%(due)s.",
                **values,
            )
            sms = _(
                "eKesco: your bill for %(period)s (customer code ending in %(last)s) is "
                "%(amount)s, to pay by %(due)s.",
                **values,
            )
        else:
            title = _("Your bill for %(period)s", **values)
            body = _(
                "The bill for %(period)s of customer code %(code)s has nothing left to pay.",
                **values,
            )
            sms = _(
                "eKesco: your bill for %(period)s (customer code ending in %(last)s) has "
                "nothing left to pay.",
                **values,
            )
    return _Text(str(title), str(body), str(sms))
