"""The payments worker's chores: expire intents nobody finished, forget day-old Idempotency-Keys."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from ekesco_api.payments.models import STATUS_EXPIRED, STATUS_PENDING, IdempotencyKey, Payment
from ekesco_api.types import utcnow

log = logging.getLogger(__name__)

PENDING_LIFETIME = dt.timedelta(minutes=30)
KEY_LIFETIME = dt.timedelta(hours=24)  # keys are kept at least this long


def expire_payments(session: Session, *, now: dt.datetime | None = None) -> int:
    """Mark intents pending for more than 30 minutes `expired`; how many there were."""
    now = now or utcnow()
    count = session.execute(
        update(Payment)
        .where(Payment.status == STATUS_PENDING, Payment.created_at < now - PENDING_LIFETIME)
        .values(status=STATUS_EXPIRED, completed_at=now)
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    return int(count or 0)


def purge_idempotency_keys(session: Session, *, now: dt.datetime | None = None) -> int:
    """Forget idempotency keys older than 24 hours; how many were removed."""
    now = now or utcnow()
    count = session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEY_LIFETIME)
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    return int(count or 0)


@dataclass(frozen=True, slots=True)
class Housekeeping:
    expired: int
    keys_purged: int


def housekeeping(session: Session, *, now: dt.datetime | None = None) -> Housekeeping:
    """One pass of the payments worker: expire stale intents, forget day-old keys."""
    now = now or utcnow()
    return Housekeeping(
        expired=expire_payments(session, now=now),
        keys_purged=purge_idempotency_keys(session, now=now),
    )


def run_housekeeping(
    session: Session, *, stop: threading.Event, every: float, now: Callable[[], dt.datetime]
) -> int:
    """Housekeeping every `every` seconds until `stop` is set; how many passes ran.

    A failed pass is logged and retried at the next tick: a database outage must not end
    the worker.
    """
    passes = 0
    while not stop.is_set():
        try:
            done = housekeeping(session, now=now())
            if done.expired or done.keys_purged:
                log.info("payments: %s expired, %s keys purged", done.expired, done.keys_purged)
        except Exception:
            session.rollback()
            log.exception("payments housekeeping failed; retrying in %s s", every)
        passes += 1
        stop.wait(every)
    return passes
