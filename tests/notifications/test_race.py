"""With real commits: delivery right after a production commit, and workers racing each other."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ekesco_api.extensions import db
from ekesco_api.notifications.models import Message
from ekesco_api.notifications.service import queue_message
from ekesco_api.types import utcnow
from tests.support.delivery import Recording, drain_concurrently

pytestmark = pytest.mark.race


def test_a_real_commit_sends_at_once(app: Flask, outbox: Any) -> None:
    with app.app_context():
        message = queue_message(
            db.session, channel="sms", to="+38344123456", body="Kodi: 123456", kind="test"
        )
        db.session.commit()
        assert [m["body"] for m in outbox.sms] == ["Kodi: 123456"]
        message_id = message.id
        db.session.remove()
    with app.app_context(), Session(db.engine) as other:
        stored = other.get(Message, message_id)
        assert stored is not None
        assert (stored.status, stored.attempts) == ("sent", 1)


def test_a_real_rollback_sends_nothing(app: Flask, outbox: Any) -> None:
    with app.app_context():
        queue_message(db.session, channel="sms", to="+38344123456", body="x", kind="test")
        db.session.flush()
        db.session.rollback()
        db.session.commit()
        assert outbox.sms == []
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_two_workers_send_every_message_exactly_once(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SKIP LOCKED claims need PostgreSQL (TEST_DATABASE_URL)")
        now = utcnow()
        with Session(db.engine) as setup:
            # Inserted directly, not queued: nothing is sent after this commit.
            setup.add_all(
                Message(
                    channel="sms",
                    kind="test",
                    recipient=f"+383440{i:05d}",
                    body="b",
                    next_attempt_at=now,
                )
                for i in range(300)
            )
            setup.commit()

        # Widen the gap between choosing rows and claiming them, where a double send would hide.
        def linger(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.lstrip().startswith("SELECT messages.id") and "LIMIT" in statement:
                time.sleep(0.005)

        event.listen(db.engine, "after_cursor_execute", linger)
        sms = Recording()
        try:
            reports = drain_concurrently(app, sms.senders())
        finally:
            event.remove(db.engine, "after_cursor_execute", linger)
        assert len(sms.sent) == 300
        assert set(sms.sent.values()) == {1}
        assert all(report.sent > 0 for report in reports)  # both really took part
        assert sum(report.sent for report in reports) == 300
        with Session(db.engine) as check:
            statuses = check.execute(
                select(Message.status, Message.attempts, func.count()).group_by(
                    Message.status, Message.attempts
                )
            ).all()
        assert statuses == [("sent", 1, 300)]
