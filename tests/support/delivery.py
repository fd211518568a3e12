"""A sender that records, and delivery workers racing each other (notifications, outages)."""

from __future__ import annotations

import threading
import time
from collections import Counter

from flask import Flask
from sqlalchemy.orm import Session

from ekesco_api.extensions import db
from ekesco_api.notifications.senders import Senders
from ekesco_api.notifications.sending import DeliveryReport
from ekesco_api.notifications.worker import deliver_due
from tests.concurrency import run_at_once


class Recording:
    """Counts every message handed to it, slowly enough for two workers to overlap."""

    def __init__(self, delay: float = 0.001) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.sent: Counter[str] = Counter()

    def send(
        self, *, to: str, body: str, subject: str | None = None, key: str | None = None
    ) -> None:
        time.sleep(self.delay)
        with self.lock:
            self.sent[to] += 1

    def senders(self) -> Senders:
        return Senders(sms=self, email=self, push=self)  # type: ignore[arg-type]


def drain_concurrently(
    app: Flask, senders: Senders, *, workers: int = 2, batch_size: int = 10
) -> list[DeliveryReport]:
    """Run `workers` delivery loops at once, each on its own connection; re-raise any error."""

    def work(_: int) -> DeliveryReport:
        with app.app_context(), Session(db.engine, expire_on_commit=False) as session:
            return deliver_due(session, senders=senders, batch_size=batch_size)

    return run_at_once(workers, work, timeout=60)
