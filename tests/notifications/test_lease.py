"""A batch's lease is renewed while it is sent: a slow gateway never loses a live worker its claim.

With real commits: the lease keeper writes on a connection of its own.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.extensions import db
from ekesco_api.notifications.models import Message
from ekesco_api.notifications.worker import deliver_due
from ekesco_api.types import utcnow
from tests.support.delivery import Recording

pytestmark = pytest.mark.race

LEASE = dt.timedelta(seconds=1)


class Slow(Recording):
    """A gateway taking longer per message than the whole lease lasts."""

    def __init__(self, app: Flask) -> None:
        super().__init__(delay=1.3)
        self.app = app
        self.leases: list[dt.datetime] = []

    def send(self, **message: Any) -> None:
        super().send(**message)
        with self.app.app_context(), Session(db.engine) as session:
            self.leases.append(session.scalar(select(Message.next_attempt_at)))


def test_a_live_workers_claim_outlasts_its_lease_and_nobody_takes_it_over(app: Flask) -> None:
    with app.app_context(), Session(db.engine, expire_on_commit=False) as session:
        now = utcnow()
        session.add_all(
            Message(
                channel="sms",
                kind="test",
                recipient=f"+3834400000{i}",
                body="b",
                next_attempt_at=now,
            )
            for i in range(2)
        )
        session.commit()
        slow = Slow(app)
        rival = Recording()
        stop = threading.Event()

        def rival_worker() -> None:
            # Another worker trying all along, once ours holds the batch: it must find nothing
            # to take over.
            time.sleep(0.3)
            with app.app_context(), Session(db.engine, expire_on_commit=False) as other:
                while not stop.is_set():
                    deliver_due(other, senders=rival.senders(), lease=LEASE)
                    time.sleep(0.1)

        thread = threading.Thread(target=rival_worker)
        thread.start()
        try:
            report = deliver_due(session, senders=slow.senders(), lease=LEASE, renew=True)
        finally:
            stop.set()
            thread.join()

        assert report.sent == 2 and report.total == 2  # both in one claim, none released
        assert sum(rival.sent.values()) == 0
        assert slow.leases[0] > now + LEASE  # renewed past the first lease while sending
        messages = session.scalars(select(Message)).all()
        assert {(m.status, m.attempts) for m in messages} == {("sent", 1)}
