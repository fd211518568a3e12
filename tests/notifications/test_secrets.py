"""Secrets in the outbox: gone from the row once sent or given up on, kept while still due."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import Table, bindparam, select, text

from ekesco_api.adapters.base import PermanentDeliveryError
from ekesco_api.extensions import db
from ekesco_api.notifications.claims import GAVE_UP, LEASE, MAX_ATTEMPTS, claim_batch
from ekesco_api.notifications.models import REDACTED_BODY, SECRET_KINDS, Message
from ekesco_api.notifications.senders import Senders
from ekesco_api.notifications.service import get_senders, notify_account, queue_message
from ekesco_api.notifications.worker import deliver_due
from ekesco_api.registration import codes
from ekesco_api.types import UtcDateTime, utcnow
from tests.factories import make_account

from .fakes import FlakySms

MESSAGES = Message.__table__
assert isinstance(MESSAGES, Table)
CODE = re.compile(r"\b\d{6}\b")


def row(message_id: int) -> dict[str, Any]:
    """The stored row as the database has it, every column (no ORM cache in between)."""
    return dict(
        db.session.execute(select(MESSAGES).where(MESSAGES.c.id == message_id)).one()._mapping
    )


def text_values(values: dict[str, Any]) -> str:
    return "\n".join(str(value) for value in values.values() if value is not None)


def issue(account: Any, channel: str = "sms") -> Any:
    verification = codes.issue_code(
        db.session,
        account=account,
        purpose="registration",
        channel=channel,
        destination=account.phone if channel == "sms" else account.email,
    )
    db.session.commit()
    return verification


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_sent_code_is_nowhere_in_its_row_and_its_delivery_still_shows(
    db_session: Any, outbox: Any, channel: str
) -> None:
    account = make_account(db_session, verified=False)
    verification = issue(account, channel)  # sent right after the commit
    [sent] = outbox.sms if channel == "sms" else outbox.email
    code = CODE.search(sent["body"]).group()

    stored = row(verification.message_id)
    assert code not in text_values(stored)
    assert stored["body"] == REDACTED_BODY
    # What support needs: that it went, where, how and when.
    assert (stored["status"], stored["kind"], stored["channel"], stored["secret"]) == (
        "sent",
        "verification_code",
        channel,
        True,
    )
    assert stored["recipient"] == sent["to"]
    assert stored["sent_at"] is not None and stored["attempts"] == 1
    db_session.refresh(verification)
    assert verification.message.status == "sent"


@pytest.mark.usefixtures("process_dies_after_commit")
def test_a_code_not_sent_yet_keeps_its_body_for_the_worker(
    db_session: Any, outbox: Any, senders: Senders
) -> None:
    account = make_account(db_session, verified=False)
    verification = issue(account)
    stored = row(verification.message_id)
    assert stored["status"] == "queued"
    code = CODE.search(stored["body"]).group()

    assert deliver_due(db.session, senders=senders).sent == 1

    [sms] = outbox.sms
    assert code in sms["body"]  # the customer got the whole message
    assert code not in text_values(row(verification.message_id))


def test_a_retry_keeps_the_body_and_giving_up_removes_it(
    db_session: Any, flaky_sms: FlakySms
) -> None:
    account = make_account(db_session, verified=False)
    verification = issue(account)  # attempt 1 fails right after the commit
    stored = row(verification.message_id)
    assert (stored["status"], stored["attempts"]) == ("queued", 1)
    code = CODE.search(stored["body"]).group()
    while stored["status"] == "queued":
        at = stored["next_attempt_at"] + dt.timedelta(seconds=1)
        deliver_due(db.session, senders=get_senders(), clock=lambda at=at: at)
        stored = row(verification.message_id)
        if stored["status"] == "queued":
            assert code in stored["body"]
    assert (stored["status"], stored["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert stored["last_error"] == "SMS gateway answered HTTP 503"
    assert code not in text_values(stored)


def test_a_permanent_failure_removes_the_secret(db_session: Any, flaky_sms: FlakySms) -> None:
    flaky_sms.error = PermanentDeliveryError("not a mobile number")
    message = queue_message(
        db.session, channel="sms", to="+38344000001", body="Kodi: 123456", kind="verification_code"
    )
    db.session.commit()
    stored = row(message.id)
    assert (stored["status"], stored["body"]) == ("failed", REDACTED_BODY)


def test_a_secret_whose_last_attempt_died_with_its_worker_is_removed(
    db_session: Any, senders: Senders, process_dies_after_commit: None
) -> None:
    message = queue_message(
        db.session, channel="sms", to="+38344000001", body="Kodi: 123456", kind="test", secret=True
    )
    message.attempts = MAX_ATTEMPTS - 1
    db.session.commit()
    now = utcnow()
    claim_batch(db.session, now=now)  # the last attempt; the worker dies
    later = now + LEASE + dt.timedelta(seconds=1)
    deliver_due(db.session, senders=senders, clock=lambda: later)
    stored = row(message.id)
    assert (stored["status"], stored["last_error"], stored["body"]) == (
        "failed",
        GAVE_UP,
        REDACTED_BODY,
    )


def test_messages_without_secrets_keep_their_text(db_session: Any, outbox: Any) -> None:
    account = make_account(db_session)
    body = "Planned outage on Monday 09:00-13:00 in Dardania. Code DGJ 123456 is your customer."
    notify_account(
        db.session,
        account_id=account.id,
        email=account.email,
        push_tokens=[],
        kind="outage_announced",
        title="Planned outage",
        body=body,
    )
    db.session.commit()
    [message] = db.session.scalars(select(Message).where(Message.account_id == account.id))
    stored = row(message.id)
    assert (stored["status"], stored["secret"], stored["body"]) == ("sent", False, body)


def test_rows_inserted_without_saying_are_not_secret(db_session: Any) -> None:
    # Set-based inserts (the outage fan-out) name their columns; `secret` is not among them.
    db.session.execute(
        text(
            "INSERT INTO messages (channel, kind, recipient, body, status, attempts,"
            " next_attempt_at, created_at) VALUES ('sms', 'outage_announced', '+38344000001',"
            " 'Outage', 'queued', 0, :now, :now)"
        ).bindparams(bindparam("now", utcnow(), type_=UtcDateTime())),
    )
    stored = db.session.execute(select(MESSAGES.c.secret, MESSAGES.c.body)).one()
    assert tuple(stored) == (False, "Outage")


@pytest.mark.parametrize("kind", sorted(SECRET_KINDS))
def test_the_kinds_that_carry_secrets_are_secret_whoever_queues_them(
    db_session: Any, kind: str
) -> None:
    message = queue_message(db.session, channel="sms", to="+38344000001", body="x", kind=kind)
    assert message.secret is True
    db.session.rollback()
