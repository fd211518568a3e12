"""Delivering the outbox: claim due messages in batches, send them, record every outcome at once.

A batch is claimed by one UPDATE … RETURNING in its own committed transaction (status
`sending`, a lease in `next_attempt_at`, a claim token), so several workers never hold the same
row (`claims`). Sending happens outside any transaction, a whole channel's share of the batch
at once where the backend can (the outbox files: one write), and stops starting new sends
before the lease could run out (`sending`). Recording then costs one statement per outcome
kind (sent, retry or failed, never tried), not one per message, and only touches rows whose
claim still holds (`outcomes`); it shares a transaction (and its commit) with the next claim.
A worker that dies mid-batch loses only its lease: when it runs out the rows are due again. The
lease is short (30 s) and renewed from a thread while the batch is being sent (`LeaseKeeper`),
so a killed worker's messages come back within seconds, and a slow gateway never loses a live
worker its claim. A message sent again that way carries the same idempotency key
(`Claimed.key`): the gateway, the SMTP relay's Message-ID and the outbox files each deliver it
once. Delivery is therefore at least once from here, and once at the recipient.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine

from ekesco_api.notifications.claims import (
    BATCH_SIZE,
    LEASE,
    AnySession,
    Claimed,
    claim_batch,
    message_table,
)
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


class LeaseKeeper:
    """Renews a claimed batch's lease every third of it, from a thread, while it is sent.

    On a connection of its own: the worker's session holds no transaction while sending. Should
    a renewal fail (the database away), the deadline stays where the last one put it and the
    worker stops starting sends before the lease can run out.
    """

    def __init__(self, session: AnySession, token: str, lease: dt.timedelta, margin: dt.timedelta):
        bind = session.get_bind(mapper=Message)
        self.engine: Engine = bind.engine
        self.token = token
        self.lease = lease
        self.margin = margin
        self.expires_at = utcnow() + lease
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)

    def deadline(self) -> dt.datetime:
        return self.expires_at - self.margin

    def __enter__(self) -> LeaseKeeper:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        messages = message_table().c
        while not self.stop.wait(self.lease.total_seconds() / 3):
            until = utcnow() + self.lease
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        update(message_table())
                        .where(messages.claim_token == self.token)
                        .values(next_attempt_at=until)
                    )
            except Exception:
                log.warning("could not renew the lease of a batch", exc_info=True)
            else:
                self.expires_at = until


def deliver_due(
    session: AnySession,
    *,
    senders: Senders,
    ids: Sequence[int] | None = None,
    batch_size: int = BATCH_SIZE,
    lease: dt.timedelta = LEASE,
    clock: Callable[[], dt.datetime] = utcnow,
    renew: bool = False,
) -> DeliveryReport:
    """Deliver every message due now (only those in `ids` when given), batch by batch.

    `session` is used for short transactions of its own and is committed; pass a session that
    holds nothing else. With `renew`, each batch's lease is renewed while it is sent
    (`LeaseKeeper`, on a connection of its own): the worker's way; without, a batch must go
    out within its lease, as the few messages sent right after a request's commit do.
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
        if renew:
            with LeaseKeeper(session, token, lease, margin) as keeper:
                outcomes, batch_report = send_batch(
                    claimed, senders=senders, clock=clock, deadline=keeper.deadline
                )
        else:
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
    lease: dt.timedelta = LEASE,
) -> DeliveryReport:
    """Deliver until `stop` is set, sleeping `idle_sleep` seconds whenever nothing is due."""
    report = DeliveryReport()
    while not stop.is_set():
        try:
            done = deliver_due(
                session, senders=senders, batch_size=batch_size, lease=lease, renew=True
            )
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
