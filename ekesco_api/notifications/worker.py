"""Delivering the outbox: claim due messages in batches, send them, record every outcome at once.

A batch is claimed by one UPDATE … RETURNING in its own committed transaction (status
`sending`, a lease in `next_attempt_at`, a claim token), so several workers never hold the same
row: on PostgreSQL the rows are picked by a sub-select with FOR UPDATE SKIP LOCKED, so a worker
skips what another is claiming; SQLite's BEGIN IMMEDIATE serialises the claims. The same
statement gives up on rows whose last allowed attempt died with its worker. Sending happens
outside any transaction, a whole channel's share of the batch at once where the backend can
(the outbox files: one write), and stops starting new sends before the lease could run out.
Recording then costs one statement per outcome kind (sent, retry or failed, never tried), not
one per message, and only touches rows whose claim still holds; it shares a transaction (and
its commit) with the next claim. The same statements blank the body of a secret message (a
code, a reset link, a temporary password) once it is sent or failed for good: the row then
tells that it went out, and when, but no longer what it said. A worker that dies mid-batch
loses only its lease: when it runs out the rows are due again. Delivery is therefore at least
once, never silently never.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Table,
    any_,
    bindparam,
    case,
    literal,
    null,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, scoped_session

from ekesco_api.adapters.base import BatchDeliveryError, DeliveryError, PermanentDeliveryError
from ekesco_api.adapters.email import EmailSender, email_sender_from_config
from ekesco_api.adapters.push import PushSender, push_sender_from_config
from ekesco_api.adapters.sms import SmsSender, sms_sender_from_config
from ekesco_api.notifications.models import (
    REDACTED_BODY,
    STATUS_FAILED,
    STATUS_QUEUED,
    STATUS_SENDING,
    STATUS_SENT,
    Message,
)
from ekesco_api.types import UtcDateTime, utcnow

log = logging.getLogger(__name__)

# Waits after the 1st, 2nd, ... failed attempt; the attempt after the last wait is the final one.
BACKOFF = (
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
    dt.timedelta(hours=1),
    dt.timedelta(hours=4),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# Per claim; WORKER_BATCH_SIZE and the worker command's --batch-size override it.
BATCH_SIZE = 500
MAX_BATCH_SIZE = 5000  # the ids of a batch go into one IN (...) list
LEASE = dt.timedelta(minutes=10)
# No send starts later than this before the lease ends: a slow gateway (SMTP: connect, STARTTLS,
# login and send, 15 s each) must finish while the claim is still ours. What is left of the
# batch goes back to the queue, its attempt not counted.
SEND_MARGIN = dt.timedelta(minutes=2)
ERROR_LENGTH = 200
GAVE_UP = "the worker stopped during the last attempt"

# What callers hold: a Session, or Flask-SQLAlchemy's scoped `db.session`.
AnySession = Session | scoped_session[Any]


class Claimed(NamedTuple):
    """A message this worker holds the lease on: what it needs to send it, nothing more."""

    id: int
    channel: str
    recipient: str
    subject: str | None
    body: str
    attempts: int  # including the one being made now


@dataclass(frozen=True)
class Senders:
    """One sender per channel, chosen by configuration."""

    sms: SmsSender
    email: EmailSender
    push: PushSender

    def send(self, message: Claimed) -> None:
        if message.channel == "sms":
            self.sms.send(to=message.recipient, body=message.body)
        elif message.channel == "email":
            self.email.send(to=message.recipient, subject=message.subject or "", body=message.body)
        elif message.channel == "push":
            self.push.send(to=message.recipient, body=message.body, subject=message.subject)
        else:
            raise PermanentDeliveryError(f"unknown channel {message.channel!r}")

    def batch_sender(self, channel: str) -> Callable[[Sequence[Claimed]], None] | None:
        """One call sending many messages of `channel`, when its backend has `send_many`.

        It raises `BatchDeliveryError` naming how many went out before a failure; any other
        exception means none did.
        """
        if channel == "sms":
            sms = getattr(self.sms, "send_many", None)
            if sms is not None:
                return lambda batch: sms([(m.recipient, m.body) for m in batch])
        elif channel == "email":
            email = getattr(self.email, "send_many", None)
            if email is not None:
                return lambda batch: email([(m.recipient, m.subject or "", m.body) for m in batch])
        elif channel == "push":
            push = getattr(self.push, "send_many", None)
            if push is not None:
                return lambda batch: push([(m.recipient, m.body, m.subject) for m in batch])
        return None


def senders_from_config(config: Mapping[str, Any]) -> Senders:
    """The senders SMS_BACKEND, EMAIL_BACKEND and PUSH_BACKEND name (ConfigError otherwise)."""
    return Senders(
        sms=sms_sender_from_config(config),
        email=email_sender_from_config(config),
        push=push_sender_from_config(config),
    )


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retrying + self.failed

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed

    def summary(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"


@dataclass
class Outcomes:
    """What became of a claimed batch, grouped the way it is written back."""

    sent: list[int] = field(default_factory=list)
    sent_at: dt.datetime | None = None
    # One row per message to retry or failed for good: m_id, m_status, m_next, m_error.
    unsent: list[dict[str, Any]] = field(default_factory=list)
    # Never tried (the lease was running out): back to the queue, the attempt not counted.
    released: list[int] = field(default_factory=list)


def retry_delay(attempts: int) -> dt.timedelta | None:
    """How long to wait after `attempts` failed attempts; None when it is time to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return BACKOFF[max(attempts, 1) - 1]


def _table() -> Table:
    table = Message.__table__
    assert isinstance(table, Table)
    return table


def claim_batch(
    session: AnySession,
    *,
    now: dt.datetime,
    limit: int = BATCH_SIZE,
    lease: dt.timedelta = LEASE,
    ids: Sequence[int] | None = None,
) -> tuple[str, list[Claimed]]:
    """Take up to `limit` due messages for this worker and commit the claim before sending.

    Due means queued and past `next_attempt_at`, or claimed by a worker whose lease ran out.
    Each claim counts as an attempt, so a message that crashes every worker still runs out:
    a due row whose last allowed attempt was claimed already is marked failed instead.
    """
    token = uuid.uuid4().hex
    messages = _table().c
    is_due = (
        messages.status.in_((STATUS_QUEUED, STATUS_SENDING)),
        messages.next_attempt_at <= now,
    )
    # Matches ix_messages_due (same predicate, same order), so this reads `limit` index entries.
    due = (
        select(messages.id)
        .where(*is_due)
        .order_by(messages.next_attempt_at, messages.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if ids is not None:
        due = due.where(messages.id.in_(ids))
    # Materialised, so it runs once: as a plain IN (sub-select) PostgreSQL may run it again
    # for each row (a nested loop), and each run finds the next rows, claiming past `limit`.
    picked = due.cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    abandoned = (messages.status == STATUS_SENDING) & (messages.attempts >= MAX_ATTEMPTS)
    # One statement: the rows it picks are ours until it commits (locked on PostgreSQL, the
    # database locked on SQLite), so the update need not check again that they are due.
    claim = (
        update(_table())
        .where(messages.id.in_(select(picked.c.id)))
        .values(
            status=case((abandoned, STATUS_FAILED), else_=STATUS_SENDING),
            claim_token=case((abandoned, null()), else_=literal(token)),
            attempts=case((abandoned, messages.attempts), else_=messages.attempts + 1),
            next_attempt_at=case(
                (abandoned, messages.next_attempt_at),
                else_=literal(now + lease, UtcDateTime()),
            ),
            last_error=case((abandoned, literal(GAVE_UP)), else_=messages.last_error),
            body=_redacted_if(abandoned & messages.secret),
        )
        .returning(
            messages.id,
            messages.channel,
            messages.recipient,
            messages.subject,
            messages.body,
            messages.attempts,
            messages.status,
        )
    )
    # Right after a fan-out the statistics still say few rows are due, and the planner would
    # fetch and sort all 100,000 of them for every batch instead of reading the first `limit`
    # entries of ix_messages_due in order. For the claim's transaction only; not when `ids`
    # are given: sorting those few is cheap, walking the whole due index to find them is not.
    no_sort = ids is None and session.get_bind(mapper=Message).dialect.name == "postgresql"
    while True:
        if no_sort:
            session.execute(text("SET LOCAL enable_sort = off"))
        rows = session.execute(claim).all()
        session.commit()
        claimed = [
            Claimed(id_, channel, recipient, subject, body, attempts)
            for id_, channel, recipient, subject, body, attempts, status in rows
            if status == STATUS_SENDING
        ]
        if claimed or not rows:
            claimed.sort(key=lambda message: message.id)
            return token, claimed
        # Only rows given up on: there may be more due behind them.


def _short_error(exc: BaseException) -> str:
    # Our adapters word their errors without secrets; anything else may carry a URL or a
    # server reply, so only its type is kept (the log has the rest).
    text = str(exc) if isinstance(exc, DeliveryError) else type(exc).__name__
    return text[:ERROR_LENGTH]


def send_batch(
    claimed: Sequence[Claimed],
    *,
    senders: Senders,
    clock: Callable[[], dt.datetime] = utcnow,
    deadline: dt.datetime | None = None,
) -> tuple[Outcomes, DeliveryReport]:
    """Send each claimed message; return what became of each and the tally. Never raises.

    Nothing starts after `deadline` (the lease is about to run out): those messages are
    released unsent.
    """
    by_channel: dict[str, list[Claimed]] = {}
    for message in claimed:
        by_channel.setdefault(message.channel, []).append(message)
    outcomes = Outcomes()
    report = DeliveryReport()
    for channel, batch in by_channel.items():
        send_many = senders.batch_sender(channel)
        if send_many is not None:
            if deadline is not None and clock() >= deadline:
                outcomes.released.extend(message.id for message in batch)
                continue
            try:
                send_many(batch)
            except BatchDeliveryError as exc:
                done = batch[: exc.delivered]
                outcomes.sent.extend(message.id for message in done)
                report.sent += len(done)
                for message in batch[exc.delivered :]:
                    _failed(message, exc, outcomes, report, clock)
            except Exception as exc:
                for message in batch:
                    _failed(message, exc, outcomes, report, clock)
            else:
                outcomes.sent.extend(message.id for message in batch)
                report.sent += len(batch)
            continue
        for message in batch:
            if deadline is not None and clock() >= deadline:
                outcomes.released.append(message.id)
                continue
            try:
                senders.send(message)
            except Exception as exc:
                _failed(message, exc, outcomes, report, clock)
            else:
                outcomes.sent.append(message.id)
                report.sent += 1
    outcomes.sent_at = clock()
    return outcomes, report


def _failed(
    message: Claimed,
    exc: Exception,
    outcomes: Outcomes,
    report: DeliveryReport,
    clock: Callable[[], dt.datetime],
) -> None:
    error = _short_error(exc)
    now = clock()
    if isinstance(exc, PermanentDeliveryError):
        log.warning("message %s (%s) cannot be delivered: %s", message.id, message.channel, error)
        status, next_attempt_at = STATUS_FAILED, now
    else:
        log.warning(
            "message %s (%s) attempt %s failed: %s",
            message.id,
            message.channel,
            message.attempts,
            error,
            exc_info=not isinstance(exc, DeliveryError),  # a bug, not a gateway: show where
        )
        delay = retry_delay(message.attempts)
        status = STATUS_FAILED if delay is None else STATUS_QUEUED
        next_attempt_at = now if delay is None else now + delay
    outcomes.unsent.append(
        {"m_id": message.id, "m_status": status, "m_next": next_attempt_at, "m_error": error}
    )
    if status == STATUS_QUEUED:
        report.retrying += 1
    else:
        report.failed += 1


def _id_in(session: AnySession, ids: Sequence[int]) -> ColumnElement[bool]:
    column = _table().c.id
    if session.get_bind(mapper=Message).dialect.name == "postgresql":
        # One array parameter: the statement text stays the same, however many ids.
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return column.in_(ids)


def _redacted_if(condition: ColumnElement[bool]) -> ColumnElement[str]:
    """The body, or REDACTED_BODY where `condition` holds: a secret that is no longer needed."""
    return case((condition, literal(REDACTED_BODY)), else_=_table().c.body)


def record_outcomes(
    session: AnySession, *, token: str, outcomes: Outcomes, commit: bool = True
) -> None:
    """Write a batch's outcomes, one statement per kind, only where our claim still holds."""
    messages = _table().c
    ours = messages.claim_token == token
    if outcomes.sent:
        at = outcomes.sent_at or utcnow()
        session.execute(
            update(_table())
            .where(_id_in(session, outcomes.sent), ours)
            .values(
                status=STATUS_SENT,
                sent_at=at,
                next_attempt_at=at,
                last_error=None,
                claim_token=None,
                body=_redacted_if(messages.secret),
            )
        )
    if outcomes.unsent:
        session.execute(
            update(_table())
            .where(messages.id == bindparam("m_id"), ours)
            .values(
                status=bindparam("m_status"),
                next_attempt_at=bindparam("m_next", type_=UtcDateTime()),
                last_error=bindparam("m_error"),
                claim_token=None,
                # Kept for a retry; gone once the message failed for good.
                body=_redacted_if(messages.secret & (bindparam("m_status") == STATUS_FAILED)),
            ),
            outcomes.unsent,
        )
    if outcomes.released:
        session.execute(
            update(_table())
            .where(_id_in(session, outcomes.released), ours)
            .values(
                status=STATUS_QUEUED,
                attempts=messages.attempts - 1,
                next_attempt_at=outcomes.sent_at or utcnow(),
                claim_token=None,
            )
        )
    if commit:
        session.commit()


def deliver_due(
    session: AnySession,
    *,
    senders: Senders,
    ids: Sequence[int] | None = None,
    batch_size: int = BATCH_SIZE,
    lease: dt.timedelta = LEASE,
    clock: Callable[[], dt.datetime] = utcnow,
) -> DeliveryReport:
    """Deliver every message due now (only those in `ids` when given), batch by batch.

    `session` is used for short transactions of its own and is committed; pass a session that
    holds nothing else.
    """
    report = DeliveryReport()
    touched: set[int] = set()
    margin = min(SEND_MARGIN, lease / 5)
    sent: tuple[str, Outcomes] | None = None  # the last batch, sent but not recorded yet
    while True:
        now = clock()
        token, claimed = _record_then_claim(
            session, sent, now=now, limit=batch_size, lease=lease, ids=ids
        )
        sent = None
        if not claimed:
            break
        outcomes, batch_report = send_batch(
            claimed, senders=senders, clock=clock, deadline=now + lease - margin
        )
        sent = (token, outcomes)
        report.add(batch_report)
        touched.update(message.id for message in claimed)
        if outcomes.released:
            break  # sending is slower than the lease allows; the next run starts afresh
    if sent is not None:
        record_outcomes(session, token=sent[0], outcomes=sent[1])
    _expire_loaded(session, touched)
    return report


def _record_then_claim(
    session: AnySession, sent: tuple[str, Outcomes] | None, **claim: Any
) -> tuple[str, list[Claimed]]:
    """Record the last batch and claim the next one in one transaction: one commit, not two.

    Should the claim fail, the outcomes are still written on their own before the error goes
    on, so a message that went out is not sent again when its lease runs out.
    """
    if sent is None:
        return claim_batch(session, **claim)
    token, outcomes = sent
    record_outcomes(session, token=token, outcomes=outcomes, commit=False)
    try:
        return claim_batch(session, **claim)  # its commit writes the outcomes too
    except Exception:
        session.rollback()
        record_outcomes(session, token=token, outcomes=outcomes)
        raise


def _expire_loaded(session: AnySession, ids: set[int]) -> None:
    # The updates above bypass the ORM; a Message this session had loaded would read stale.
    if not ids:
        return
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Message) and obj.id in ids:
            session.expire(obj)


def run_worker(
    session: AnySession,
    *,
    senders: Senders,
    stop: threading.Event,
    idle_sleep: float = 1.0,
    batch_size: int = BATCH_SIZE,
) -> DeliveryReport:
    """Deliver until `stop` is set, sleeping `idle_sleep` seconds whenever nothing is due."""
    report = DeliveryReport()
    while not stop.is_set():
        try:
            done = deliver_due(session, senders=senders, batch_size=batch_size)
        except Exception:
            # A database blip must not end the worker: what was claimed comes back after the lease.
            log.exception("delivery run failed; trying again shortly")
            session.rollback()
            done = DeliveryReport()
        report.add(done)
        if done.total:
            log.info("delivered: %s", done.summary())
        else:
            stop.wait(idle_sleep)
    return report
