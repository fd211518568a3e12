"""Queueing in the caller's transaction, sending right after its commit, retrying when down."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from ekesco_api.extensions import db
from ekesco_api.notifications import service as notification_service
from ekesco_api.notifications.models import Message
from ekesco_api.notifications.senders import Senders
from ekesco_api.notifications.worker import deliver_due
from ekesco_api.types import utcnow

from .fakes import FlakySms


def queue_sms(**overrides: Any) -> Message:
    values: dict[str, Any] = {
        "channel": "sms",
        "to": "+38344123456",
        "body": "Kodi juaj: 123456",
        "kind": "verification_code",
    }
    values.update(overrides)
    return notification_service.queue_message(db.session, **values)


def test_queued_message_is_sent_when_the_transaction_commits(outbox: Any) -> None:
    message = queue_sms(account_id=None)
    assert outbox.sms == []  # not before the commit
    db.session.commit()

    assert [(m["to"], m["body"]) for m in outbox.sms] == [("+38344123456", "Kodi juaj: 123456")]
    assert message.status == "sent"
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.kind == "verification_code"


def test_rolled_back_message_is_never_sent(outbox: Any) -> None:
    queue_sms()
    db.session.flush()
    db.session.rollback()
    db.session.commit()

    assert outbox.sms == []
    assert db.session.scalars(select(Message)).all() == []


def test_message_in_a_rolled_back_savepoint_is_not_sent(outbox: Any) -> None:
    kept = queue_sms(body="kept")
    with db.session.begin_nested() as nested:
        queue_sms(body="dropped")
        nested.rollback()
    db.session.commit()

    assert [m["body"] for m in outbox.sms] == ["kept"]
    assert kept.status == "sent"


def test_released_savepoint_waits_for_the_outer_commit(outbox: Any) -> None:
    with db.session.begin_nested():
        queue_sms()
    # Leaving the block released only the SAVEPOINT: nothing is committed, nothing is sent.
    assert outbox.sms == []
    db.session.commit()
    assert len(outbox.sms) == 1


def test_gateway_down_keeps_the_message_queued_with_backoff(
    outbox: Any, flaky_sms: FlakySms, senders: Senders
) -> None:
    before = utcnow()
    message = queue_sms()
    db.session.commit()

    assert flaky_sms.calls == 1
    assert message.status == "queued"
    assert message.attempts == 1
    assert message.last_error == "SMS gateway answered HTTP 503"
    assert message.next_attempt_at >= before + dt.timedelta(seconds=30)

    # Not due yet: the worker leaves it alone.
    assert deliver_due(db.session, senders=senders).total == 0
    # Later, with the gateway back, the worker sends it.
    flaky_sms.error = None
    later = message.next_attempt_at + dt.timedelta(seconds=1)
    report = deliver_due(db.session, senders=senders, clock=lambda: later)
    assert report.sent == 1
    assert message.status == "sent"
    assert message.attempts == 2
    assert message.last_error is None
    assert [m["body"] for m in outbox.sms] == ["Kodi juaj: 123456"]


def test_email_needs_a_subject_and_channels_are_checked() -> None:
    with pytest.raises(ValueError, match="subject"):
        queue_sms(channel="email", to="a@example.com")
    with pytest.raises(ValueError, match="channel"):
        queue_sms(channel="fax")


def test_email_and_push_go_to_their_files(outbox: Any) -> None:
    queue_sms(channel="email", to="drita@example.com", subject="Fatura", body="Përshëndetje")
    queue_sms(channel="push", to="device-token", subject="Ndërprerje", body="Nesër 10–12")
    db.session.commit()

    assert [(m["to"], m["subject"], m["body"]) for m in outbox.email] == [
        ("drita@example.com", "Fatura", "Përshëndetje")
    ]
    assert [(m["to"], m["subject"], m["body"]) for m in outbox.push] == [
        ("device-token", "Ndërprerje", "Nesër 10–12")
    ]


def test_outside_the_app_the_worker_sends_later(
    outbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notification_service, "has_app_context", lambda: False)
    message = queue_sms()
    db.session.commit()

    assert outbox.sms == []
    assert message.status == "queued"


def test_a_failure_while_sending_after_commit_never_reaches_the_caller(
    outbox: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(notification_service, "deliver_due", broken)
    message = queue_sms()
    db.session.commit()  # does not raise: the change and its message are committed

    assert db.session.get(Message, message.id) is not None
    assert message.status == "queued"
    assert "the worker will retry" in caplog.text
