"""Delivering the outbox: claim due messages in batches, send them, record every outcome at once.

A batch is claimed in its own committed transaction (status `sending`, a lease in
`next_attempt_at`, a claim token), so several workers never hold the same row: PostgreSQL skips
rows another worker has locked (FOR UPDATE SKIP LOCKED), SQLite's BEGIN IMMEDIATE serialises
the claims. Sending happens outside any transaction; one executemany UPDATE then records the
whole batch. A worker that dies mid-batch loses only its lease: when it runs out the rows are
due again. Delivery is therefore at least once, never silently never.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session, scoped_session

from ekesco_api.adapters.base import DeliveryError, PermanentDeliveryError
from ekesco_api.adapters.email import EmailSender, email_sender_from_config
from ekesco_api.adapters.push import PushSender, push_sender_from_config
from ekesco_api.adapters.sms import SmsSender, sms_sender_from_config
from ekesco_api.notifications.models import (
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
BATCH_SIZE = 20
# Longer than a batch can take with every gateway at its timeout (20 x ~15 s).
LEASE = dt.timedelta(minutes=10)
ERROR_LENGTH = 200

# What callers hold: a Session, or Flask-SQLAlchemy's scoped `db.session`.
AnySession = Session | scoped_session[Any]


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


def senders_from_config(config: Mapping[str, Any]) -> Senders:
    """The senders SMS_BACKEND, EMAIL_BACKEND and PUSH_BACKEND name (ConfigError otherwise)."""
    return Senders(
        sms=sms_sender_from_config(config),
        email=email_sender_from_config(config),
        push=push_sender_from_config(config),
    )


@dataclass(frozen=True)
class Claimed:
    """A message this worker holds the lease on: what it needs to send it, nothing more."""

    id: int
    channel: str
    recipient: str
    subject: str | None
    body: str
    attempts: int  # including the one being made now


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
    Each claim counts as an attempt, so a message that crashes every worker still runs out.
    """
    token = uuid.uuid4().hex
    messages = _table().c
    _give_up_abandoned(session, now=now)
    is_due = (
        messages.status.in_((STATUS_QUEUED, STATUS_SENDING)),
        messages.next_attempt_at <= now,
    )
    due = (
        select(messages.id)
        .where(*is_due)
        .order_by(messages.next_attempt_at, messages.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if ids is not None:
        due = due.where(messages.id.in_(ids))
    while True:
        candidates = list(session.execute(due).scalars())
        if not candidates:
            session.commit()
            return token, []
        # Due is checked again: should the row lock be missing (a database without SKIP
        # LOCKED), a row another worker claimed meanwhile no longer matches and stays theirs.
        session.execute(
            update(_table())
            .where(messages.id.in_(candidates), *is_due)
            .values(
                status=STATUS_SENDING,
                claim_token=token,
                attempts=messages.attempts + 1,
                next_attempt_at=now + lease,
            )
        )
        rows = session.execute(
            select(
                messages.id,
                messages.channel,
                messages.recipient,
                messages.subject,
                messages.body,
                messages.attempts,
            )
            .where(messages.id.in_(candidates), messages.claim_token == token)
            .order_by(messages.id)
        ).all()
        if rows:
            session.commit()
            return token, [Claimed(*row) for row in rows]
        # All taken by others since we looked; those are no longer due, so look again.


def _give_up_abandoned(session: AnySession, *, now: dt.datetime) -> None:
    """Rows whose last allowed attempt died with its worker: failed, not claimed forever."""
    messages = _table().c
    session.execute(
        update(_table())
        .where(
            messages.status == STATUS_SENDING,
            messages.next_attempt_at <= now,
            messages.attempts >= MAX_ATTEMPTS,
        )
        .values(
            status=STATUS_FAILED,
            claim_token=None,
            last_error="the worker stopped during the last attempt",
        )
    )


def _short_error(exc: Exception) -> str:
    # Our adapters word their errors without secrets; anything else may carry a URL or a
    # server reply, so only its type is kept (the log has the rest).
    text = str(exc) if isinstance(exc, DeliveryError) else type(exc).__name__
    return text[:ERROR_LENGTH]


def send_batch(
    claimed: Sequence[Claimed], *, senders: Senders, clock: Callable[[], dt.datetime] = utcnow
) -> tuple[list[dict[str, Any]], DeliveryReport]:
    """Send each claimed message; return the row updates and the tally. Never raises."""
    outcomes: list[dict[str, Any]] = []
    report = DeliveryReport()
    for message in claimed:
        error: str | None = None
        status = STATUS_SENT
        next_attempt_at = None
        try:
            senders.send(message)
        except PermanentDeliveryError as exc:
            status, error = STATUS_FAILED, _short_error(exc)
            log.warning(
                "message %s (%s) cannot be delivered: %s", message.id, message.channel, error
            )
        except Exception as exc:
            error = _short_error(exc)
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
            if delay is not None:
                next_attempt_at = clock() + delay
        now = clock()
        outcomes.append(
            {
                "m_id": message.id,
                "m_status": status,
                "m_next": next_attempt_at or now,
                "m_error": error,
                "m_sent_at": now if status == STATUS_SENT else None,
            }
        )
        if status == STATUS_SENT:
            report.sent += 1
        elif status == STATUS_QUEUED:
            report.retrying += 1
        else:
            report.failed += 1
    return outcomes, report


def record_outcomes(session: AnySession, *, token: str, outcomes: Sequence[dict[str, Any]]) -> None:
    """Write a batch's outcomes in one executemany UPDATE, only where our claim still holds."""
    if not outcomes:
        return
    messages = _table().c
    statement = (
        update(_table())
        .where(messages.id == bindparam("m_id"), messages.claim_token == bindparam("m_token"))
        .values(
            status=bindparam("m_status"),
            next_attempt_at=bindparam("m_next", type_=UtcDateTime()),
            last_error=bindparam("m_error"),
            sent_at=bindparam("m_sent_at", type_=UtcDateTime()),
            claim_token=None,
        )
    )
    session.execute(statement, [{**outcome, "m_token": token} for outcome in outcomes])
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
    while True:
        token, claimed = claim_batch(session, now=clock(), limit=batch_size, lease=lease, ids=ids)
        if not claimed:
            break
        outcomes, batch_report = send_batch(claimed, senders=senders, clock=clock)
        record_outcomes(session, token=token, outcomes=outcomes)
        report.add(batch_report)
        touched.update(message.id for message in claimed)
    _expire_loaded(session, touched)
    return report


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
