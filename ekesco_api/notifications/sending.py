"""Sending a claimed batch outside any transaction, and deciding what each failure means."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ekesco_api.adapters.base import BatchDeliveryError, DeliveryError, PermanentDeliveryError
from ekesco_api.metrics import DELIVERIES
from ekesco_api.notifications.claims import Claimed, retry_delay
from ekesco_api.notifications.models import STATUS_FAILED, STATUS_QUEUED
from ekesco_api.notifications.outcomes import Outcomes
from ekesco_api.notifications.senders import Senders
from ekesco_api.types import utcnow

log = logging.getLogger(__name__)

ERROR_LENGTH = 200


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
    deadline: dt.datetime | Callable[[], dt.datetime] | None = None,
) -> tuple[Outcomes, DeliveryReport]:
    """Send each claimed message; return what became of each and the tally. Never raises.

    Nothing starts after `deadline` (the lease is about to run out): those messages are
    released unsent. A callable deadline is asked anew before each send (a renewed lease).
    """

    def past_deadline() -> bool:
        if deadline is None:
            return False
        return clock() >= (deadline() if callable(deadline) else deadline)

    by_channel: dict[str, list[Claimed]] = {}
    for message in claimed:
        by_channel.setdefault(message.channel, []).append(message)
    outcomes = Outcomes()
    report = DeliveryReport()
    for channel, batch in by_channel.items():
        send_many = senders.batch_sender(channel)
        if send_many is not None:
            if past_deadline():
                outcomes.released.extend(message.id for message in batch)
                continue
            try:
                send_many(batch)
            except BatchDeliveryError as exc:
                done = batch[: exc.delivered]
                outcomes.sent.extend(message.id for message in done)
                report.sent += len(done)
                DELIVERIES.labels(channel, "sent").inc(len(done))
                for message in batch[exc.delivered :]:
                    _failed(message, exc, outcomes, report, clock)
            except Exception as exc:
                for message in batch:
                    _failed(message, exc, outcomes, report, clock)
            else:
                outcomes.sent.extend(message.id for message in batch)
                report.sent += len(batch)
                DELIVERIES.labels(channel, "sent").inc(len(batch))
            continue
        for message in batch:
            if past_deadline():
                outcomes.released.append(message.id)
                continue
            try:
                senders.send(message)
            except Exception as exc:
                _failed(message, exc, outcomes, report, clock)
            else:
                outcomes.sent.append(message.id)
                report.sent += 1
                DELIVERIES.labels(channel, "sent").inc()
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
        DELIVERIES.labels(message.channel, "retrying").inc()
    else:
        report.failed += 1
        DELIVERIES.labels(message.channel, "failed").inc()
