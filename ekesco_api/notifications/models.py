"""What notifications keep: the outbox (SMS, e-mail, push), the inbox, devices, preferences."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Table, Text, case, literal, text
from sqlalchemy.orm import Mapped, mapped_column

from ekesco_api.accounts.removal import account_link, erased_with
from ekesco_api.db import Base
from ekesco_api.types import utcnow

CHANNELS = ("sms", "email", "push")
# The channels an account may choose on top of the inbox, in the order the API lists them.
CHOSEN_CHANNELS = ("push", "sms", "email")
PLATFORMS = ("android", "ios", "web")

STATUS_QUEUED = "queued"
# Claimed by a worker; `next_attempt_at` then holds the end of its lease.
STATUS_SENDING = "sending"
STATUS_SENT = "sent"
STATUS_FAILED = "failed"
STATUSES = (STATUS_QUEUED, STATUS_SENDING, STATUS_SENT, STATUS_FAILED)

# Kinds whose text carries a one-time secret (a code, a reset link, a temporary password):
# `queue_message` marks them secret whatever its caller says.
SECRET_KINDS = frozenset({"verification_code", "password_reset", "temporary_password"})
# What a secret message's body becomes once it is sent or given up on.
REDACTED_BODY = "[removed after delivery: it carried a one-time secret]"
# What a message's address and text become when its account is deleted (the row stays: the
# log of what was sent when); one not sent yet is given up.
ERASED_BODY = "[removed: the account was deleted]"
ACCOUNT_DELETED = "the account was deleted"


def _unsent(table: Table) -> Any:
    return table.c.status.in_((STATUS_QUEUED, STATUS_SENDING))


def _status_once_erased(table: Table) -> Any:
    return case((_unsent(table), literal(STATUS_FAILED)), else_=table.c.status)


def _error_once_erased(table: Table) -> Any:
    return case((_unsent(table), literal(ACCOUNT_DELETED)), else_=table.c.last_error)


class Message(Base):
    """One message to one recipient, delivered by the worker or right after its commit."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Kept when the account goes (the outbox is also the record of what we told whom), but
    # unlinked by accounts.removal.delete_accounts rather than a foreign key: an outage fan-out
    # writes 100,000 rows at once, and a foreign key checks each one.
    account_id: Mapped[int | None] = mapped_column(index=True, info=account_link("SET NULL"))
    channel: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254), info=erased_with(""))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, info=erased_with(ERASED_BODY))
    # The body carries a secret: the worker overwrites it with REDACTED_BODY in the statement
    # that records it sent or failed for good, so a database read or a backup shows that a code
    # went out and how, never the code. A server default: set-based fan-outs leave it out.
    secret: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # A message not sent when its account is deleted is given up (the address is gone), and a
    # worker sending it at that moment no longer holds its claim.
    status: Mapped[str] = mapped_column(
        String(8), default=STATUS_QUEUED, info=erased_with(_status_once_erased)
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The batch that holds the lease; a worker whose lease ran out cannot mark the row.
    claim_token: Mapped[str | None] = mapped_column(String(32), info=erased_with(None))
    last_error: Mapped[str | None] = mapped_column(
        String(200), info=erased_with(_error_once_erased)
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]

    __table_args__ = (
        # "What is due?" reads only unfinished rows; sent and failed ones, the bulk, stay out.
        # In the claim's order (next_attempt_at, id), so a claim reads a batch's worth of
        # entries instead of sorting every due row.
        Index(
            "ix_messages_due",
            "next_attempt_at",
            "id",
            postgresql_where=text("status IN ('queued', 'sending')"),
            sqlite_where=text("status IN ('queued', 'sending')"),
        ),
    )

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.channel} {self.kind} {self.status}>"


class Notification(Base):
    """A notification in an account's inbox (written set-based by fan-outs, never by the worker)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_account_newest", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key, like outage_id: one per row costs half a second per 100,000-row fan-out;
    # deleting an account deletes these rows (accounts.removal.delete_accounts).
    account_id: Mapped[int] = mapped_column(info=account_link("CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # What it is about, when it is about an outage. No foreign key on purpose: outages are
    # never deleted, and a fan-out inserts 100,000 rows at once, each a constraint check.
    outage_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]


class NotificationChannels(Base):
    """The channels an account chose for outage news besides the inbox (no row: inbox only)."""

    __tablename__ = "notification_channels"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    push: Mapped[bool] = mapped_column(default=False)
    sms: Mapped[bool] = mapped_column(default=False)
    email: Mapped[bool] = mapped_column(default=False)

    def channels(self) -> list[str]:
        return [ch for ch in CHOSEN_CHANNELS if getattr(self, ch)]


class MutedKind(Base):
    """A kind of news the account switched off (no row: it gets every kind it can switch off).

    Only the kinds in `preferences.SWITCHABLE_KINDS` can be; what the supplier must tell (a
    code, a changed password, a disconnection notice) cannot.
    """

    __tablename__ = "muted_kinds"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)


class Device(Base):
    """A push token of an app installation; it belongs to the last account that registered it."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(8))
    push_token: Mapped[str] = mapped_column(String(512), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
