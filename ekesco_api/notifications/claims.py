"""Claiming due messages: one committed UPDATE … RETURNING takes a batch and its lease.

The claim marks the rows `sending`, puts the end of the lease in `next_attempt_at` and a claim
token on them, and counts the attempt. On PostgreSQL the rows are picked by a sub-select with
FOR UPDATE SKIP LOCKED, so a worker skips what another is claiming; SQLite's BEGIN IMMEDIATE
serialises the claims. The same statement gives up on rows whose last allowed attempt died
with its worker.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Table, case, literal, null, select, text, update
from sqlalchemy.orm import Session, scoped_session

from ekesco_api.notifications.models import (
    REDACTED_BODY,
    STATUS_FAILED,
    STATUS_QUEUED,
    STATUS_SENDING,
    Message,
)
from ekesco_api.types import UtcDateTime

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
# Short, so that a worker killed mid-batch holds its messages only seconds; a live worker renews
# it while it sends (worker.LeaseKeeper). WORKER_LEASE_SECONDS overrides it.
LEASE = dt.timedelta(seconds=30)
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
    created_at: dt.datetime

    @property
    def key(self) -> str:
        """This message's idempotency key, the same on every attempt: the gateways' and the
        outbox files' way to deliver it once. With the creation time, so that ids a fresh
        database hands out again never match an old message."""
        return f"msg-{self.id}-{self.created_at:%Y%m%d%H%M%S%f}"


def retry_delay(attempts: int) -> dt.timedelta | None:
    """How long to wait after `attempts` failed attempts; None when it is time to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return BACKOFF[max(attempts, 1) - 1]


def message_table() -> Table:
    """The outbox table, for the Core statements that claim and record in bulk."""
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
    messages = message_table().c
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
        update(message_table())
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
            body=redacted_if(abandoned & messages.secret),
        )
        .returning(
            messages.id,
            messages.channel,
            messages.recipient,
            messages.subject,
            messages.body,
            messages.attempts,
            messages.created_at,
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
        claimed = [Claimed(*row[:-1]) for row in rows if row.status == STATUS_SENDING]
        if claimed or not rows:
            claimed.sort(key=lambda message: message.id)
            return token, claimed
        # Only rows given up on: there may be more due behind them.


def redacted_if(condition: ColumnElement[bool]) -> ColumnElement[str]:
    """The body, or REDACTED_BODY where `condition` holds: a secret that is no longer needed."""
    return case((condition, literal(REDACTED_BODY)), else_=message_table().c.body)
