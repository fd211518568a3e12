"""Real commits on PostgreSQL: two workers drain an announcement's outbox, each message once."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ekesco_api.extensions import db
from ekesco_api.notifications.models import Message, Notification
from ekesco_api.outages import service as svc
from ekesco_api.types import utcnow
from tests.support.areas import account_in, make_tree
from tests.support.delivery import Recording, drain_concurrently
from tests.support.outages import REASON

pytestmark = pytest.mark.race

ACCOUNTS = 150


def test_two_workers_drain_an_announcement_exactly_once(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SKIP LOCKED claims need PostgreSQL (TEST_DATABASE_URL)")
        with Session(db.engine, expire_on_commit=False) as setup:
            tree = make_tree(setup)
            expected: Counter[str] = Counter()
            for i in range(ACCOUNTS):
                channels = (("sms",), ("email",), ("push", "sms"))[i % 3]
                devices = (f"device-{i}",) if "push" in channels else ()
                account = account_in(
                    setup,
                    tree.north,
                    language=("sq", "en", "sr")[i % 3],
                    channels=channels,
                    devices=devices,
                )
                if "sms" in channels:
                    expected[account.phone] += 1
                if "email" in channels:
                    expected[account.email] += 1
                expected.update(devices)
            setup.commit()
            svc.create_outage(
                setup,
                kind="planned",
                area_ids=[tree.city.id],
                starts_at=utcnow() + dt.timedelta(days=2),
                ends_at=utcnow() + dt.timedelta(days=2, hours=3),
                reason=REASON,
                staff_id=1,
            )
            assert setup.scalar(select(func.count()).select_from(Notification)) == ACCOUNTS

        recording = Recording(delay=0.0005)
        reports = drain_concurrently(app, recording.senders())
        assert recording.sent == expected  # everyone, each exactly once
        assert all(report.sent > 0 for report in reports)  # both workers took part
        with Session(db.engine) as check:
            statuses = check.execute(
                select(Message.status, Message.attempts, func.count()).group_by(
                    Message.status, Message.attempts
                )
            ).all()
        assert statuses == [("sent", 1, sum(expected.values()))]
