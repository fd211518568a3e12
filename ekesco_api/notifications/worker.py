"""Delivering the outbox: claim due messages in batches, send them, record every outcome at once.

A batch is claimed by one UPDATE … RETURNING in its own committed transaction (status
`sending`, a lease in `next_attempt_at`, a claim token), so several workers never hold the same
row (`claims`). Sending happens outside any transaction, a whole channel's share of the batch
at once where the backend can (the outbox files: one write), and stops starting new sends
before the lease could run out (`sending`). Recording then costs one statement per outcome
kind (sent, retry or failed, never tried), not one per message, and only touches rows whose
claim still holds (`outcomes`); it shares a transaction (and its commit) with the next claim.
A worker that dies mid-batch loses only its lease: when it runs out the rows are due again.
Delivery is therefore at least once, never silently never.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from ekesco_api.notifications.claims import BATCH_SIZE, LEASE, AnySession, Claimed, claim_batch
from ekesco_api.notifications.models import Message
from ekesco_api.notifications.outcomes import Outcomes, record_outcomes
from ekesco_api.notifications.senders import Senders
from ekesco_api.notifications.sending import DeliveryReport, send_batch
from ekesco_api.types import utcnow

log = logging.getLogger(__name__)

# No send starts later than this before the lease ends: a slow gateway (SMTP: connect, STARTTLS,
# login and send, 15 s each) must finish while the claim is still ours. What is left of the
# batch goes back to the queue, its attempt not counted.
SEND_MARGIN = dt.timedelta(minutes=2)


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
