"""The outbox as Prometheus sees it at each scrape: how many wait, and how long the oldest has."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ekesco_api.extensions import db
from ekesco_api.notifications.models import STATUS_QUEUED, STATUS_SENDING, Message
from ekesco_api.types import utcnow


def outbox_gauges() -> Iterable[Metric]:
    """Messages waiting by status, and the age of the oldest one due (0 when none is).

    Raises when the database does not answer (the scrape goes on without these); the session
    is rolled back first.
    """
    try:
        return list(_outbox_gauges())
    except SQLAlchemyError:
        db.session.rollback()
        raise


def _outbox_gauges() -> Iterable[Metric]:
    now = utcnow()
    waiting = GaugeMetricFamily(
        "ekesco_outbox_messages", "Messages not yet sent, by status.", labels=["status"]
    )
    rows = db.session.execute(
        select(Message.status, func.count())
        .where(Message.status.in_((STATUS_QUEUED, STATUS_SENDING)))
        .group_by(Message.status)
    ).all()
    counts = dict.fromkeys((STATUS_QUEUED, STATUS_SENDING), 0) | {s: n for s, n in rows}
    for status, count in counts.items():
        waiting.add_metric([status], count)
    yield waiting
    # Uses ix_messages_due: the first entry of the due index.
    oldest = db.session.scalar(
        select(func.min(Message.next_attempt_at)).where(
            Message.status.in_((STATUS_QUEUED, STATUS_SENDING)), Message.next_attempt_at <= now
        )
    )
    age = GaugeMetricFamily(
        "ekesco_outbox_oldest_due_seconds",
        "How long the oldest message due has waited for a worker.",
    )
    age.add_metric([], (now - oldest).total_seconds() if oldest else 0.0)
    yield age
