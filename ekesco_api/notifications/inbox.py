"""The in-app inbox: one notification per account and event, read in the app, marked read there."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ekesco_api.accounts.removal import account_link
from ekesco_api.db import Base
from ekesco_api.types import utcnow


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
