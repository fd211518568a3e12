"""Areas of the network (city → locality → neighbourhood), outages over them, who follows them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ekesco_api.areas.models import Area
from ekesco_api.db import Base
from ekesco_api.types import utcnow

KINDS = ("planned", "unplanned")
STATUS_SCHEDULED = "scheduled"
STATUS_RESCHEDULED = "rescheduled"
STATUS_CANCELLED = "cancelled"
STATUS_COMPLETED = "completed"
STATUSES = (STATUS_SCHEDULED, STATUS_RESCHEDULED, STATUS_CANCELLED, STATUS_COMPLETED)


class Outage(Base):
    """A planned or unplanned interruption of supply over one or more areas (and their children).

    `status` holds what a dispatcher did; an outage whose end has passed reads as `completed`
    without anyone touching the row (see `effective_status`). `sequence` counts the changes
    calendar clients must apply (iCalendar SEQUENCE).
    """

    __tablename__ = "outages"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(index=True)
    reason_sq: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)
    reason_sr: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=STATUS_SCHEDULED)
    sequence: Mapped[int] = mapped_column(default=0)
    # Staff accounts belong to the staff domain; its engineer may add the foreign key.
    created_by: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    areas: Mapped[list[Area]] = relationship(secondary="outage_areas", order_by="Area.id")

    def effective_status(self, now: dt.datetime) -> str:
        if self.status != STATUS_CANCELLED and self.ends_at <= now:
            return STATUS_COMPLETED
        return self.status

    def reason(self) -> dict[str, str]:
        return {"sq": self.reason_sq, "en": self.reason_en, "sr": self.reason_sr}


class OutageArea(Base):
    """An area the dispatcher named for an outage; its children are covered too."""

    __tablename__ = "outage_areas"

    outage_id: Mapped[int] = mapped_column(
        ForeignKey("outages.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True, index=True)


class AreaSubscription(Base):
    """An area an account follows besides those of its own meters."""

    __tablename__ = "area_subscriptions"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), primary_key=True, index=True)


class OutageReminder(Base):
    """The evening-before reminder sent to one account for one outage's start: the unique key
    makes `outage-reminders` idempotent, also when two runs overlap."""

    __tablename__ = "outage_reminders"
    __table_args__ = (UniqueConstraint("outage_id", "account_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outage_id: Mapped[int] = mapped_column(ForeignKey("outages.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[dt.datetime]
    # The run that sent it: that run queues messages for its own rows only.
    run_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
