"""Queueing messages in the caller's transaction, and sending them as soon as it commits."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction

from ekesco_api.notifications.claims import AnySession
from ekesco_api.notifications.models import CHANNELS, SECRET_KINDS, STATUS_QUEUED, Message
from ekesco_api.notifications.senders import Senders, senders_from_config
from ekesco_api.notifications.worker import deliver_due
from ekesco_api.types import utcnow

log = logging.getLogger(__name__)

SENDERS_KEY = "ekesco.senders"
# session.info keys: messages added in the open transaction, and those its commit made real.
_PENDING = "ekesco.messages.pending"
_COMMITTED = "ekesco.messages.committed"


def queue_message(
    session: AnySession,
    *,
    channel: str,
    to: str,
    body: str,
    kind: str,
    subject: str | None = None,
    account_id: int | None = None,
    send_after_commit: bool = True,
    secret: bool = False,
) -> Message:
    """Add a message to the caller's transaction; it is sent once (and only if) that commits.

    Nothing is committed here: the use case that caused the message commits it together with
    its own change. Right after that commit the message is sent; if that fails, or the
    process dies first, the worker sends it later. `send_after_commit=False` leaves it to the
    worker alone: for a request whose duration must not tell the caller whether a message
    went out at all (forgot-password: sending takes milliseconds, SMTP far more).

    `secret=True` (implied by the kinds in SECRET_KINDS) says the body carries a code, a link
    or a password: the worker removes it from the row once the message is sent or failed.
    """
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}; got {channel!r}")
    if channel == "email" and not subject:
        raise ValueError("an e-mail needs a subject")
    now = utcnow()
    message = Message(
        account_id=account_id,
        channel=channel,
        kind=kind,
        recipient=to,
        subject=subject,
        body=body,
        secret=secret or kind in SECRET_KINDS,
        status=STATUS_QUEUED,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    if send_after_commit:
        session.info.setdefault(_PENDING, []).append(message)
    return message


def notify_account(
    session: AnySession,
    *,
    account_id: int,
    email: str,
    push_tokens: Sequence[str],
    kind: str,
    title: str,
    body: str,
    channels: Sequence[str] = (),
    phone: str | None = None,
) -> None:
    """Tell one account: its in-app inbox, and push to each of its devices or, without any,
    e-mail. Added to the caller's transaction like `queue_message`.

    `channels` (what the account chose, `preferences.channels_of`) replaces that default:
    push to each device, SMS to `phone`, e-mail. When they give no address outside the app
    (none chosen, or push without a device), the default applies after all.
    """
    from ekesco_api.notifications.models import Notification

    session.add(Notification(account_id=account_id, kind=kind, title=title, body=body))
    addresses = {"push": list(push_tokens), "sms": [phone] if phone else [], "email": [email]}
    outward = [(channel, to) for channel in channels for to in addresses.get(channel, [])]
    if not outward:
        outward = [("push", token) for token in push_tokens] or [("email", email)]
    for channel, address in outward:
        queue_message(
            session,
            channel=channel,
            to=address,
            subject=title,
            body=body,
            kind=kind,
            account_id=account_id,
        )


def init_senders(app: Flask) -> Senders:
    """Build the configured senders once per app; an unknown backend stops start-up."""
    senders = senders_from_config(app.config)
    app.extensions[SENDERS_KEY] = senders
    return senders


def get_senders(app: Flask | None = None) -> Senders:
    """The senders of `app` (the current one by default)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    senders = app.extensions.get(SENDERS_KEY)
    return senders if senders is not None else init_senders(app)


@event.listens_for(Session, "after_commit")
def _note_committed(session: Session) -> None:
    """On the outermost commit, remember which queued messages now exist for good."""
    pending: list[Message] | None = session.info.get(_PENDING)
    if not pending or session.in_nested_transaction():
        return  # a released SAVEPOINT commits nothing yet
    session.info[_PENDING] = []
    # Messages added in a SAVEPOINT that was rolled back are transient again: skip them.
    committed = [m for m in pending if inspect(m).persistent]
    session.info.setdefault(_COMMITTED, []).extend(committed)


@event.listens_for(Session, "after_transaction_end")
def _deliver_committed(session: Session, transaction: SessionTransaction) -> None:
    """Once the outermost transaction is over, send what it committed; forget what it did not."""
    if transaction.parent is not None:
        return
    session.info.pop(_PENDING, None)
    committed: list[Message] | None = session.info.pop(_COMMITTED, None)
    if committed:
        _deliver_now(session, committed)


def _deliver_now(session: Session, messages: list[Message]) -> None:
    if not has_app_context():
        return  # outside the app nothing knows the senders; the worker will send them
    ids = [inspect(m).identity[0] for m in messages]  # type: ignore[index]
    try:
        senders = get_senders()
        # A session of our own on the same database (in tests: the same connection), so the
        # caller's session is left as its commit left it.
        bind: Any = session.get_bind(mapper=Message)
        with Session(
            bind=bind, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as delivery:
            deliver_due(delivery, senders=senders, ids=ids)
    except Exception:
        log.exception("sending messages %s right after commit failed; the worker will retry", ids)
    for message in messages:
        if inspect(message).persistent:
            session.expire(message)  # status, attempts and sent_at changed behind its back
