"""Requests, complaints, suggestions and compliments, their history, and the reference counter."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ekesco_api.accounts.models import Account
from ekesco_api.db import Base
from ekesco_api.meters.models import Meter
from ekesco_api.staff.models import StaffMember
from ekesco_api.types import utcnow

KINDS = ("request", "complaint", "suggestion", "compliment")
TOPICS = (
    "billing_error",
    "wrong_payment_code",
    "meter_problem",
    "data_update",
    "reconnection",
    "disconnection_on_request",
    "staff_service",
    "other",
)
# Topics whose answer turns on what the account and its payments hold: the agent sees both.
TOPICS_WITH_ACCOUNT_DATA = ("data_update", "wrong_payment_code")

STATUS_RECEIVED = "received"
STATUS_IN_PROGRESS = "in_progress"
STATUS_RESOLVED = "resolved"
STATUS_REJECTED = "rejected"
STATUSES = (STATUS_RECEIVED, STATUS_IN_PROGRESS, STATUS_RESOLVED, STATUS_REJECTED)
OPEN_STATUSES = (STATUS_RECEIVED, STATUS_IN_PROGRESS)
CLOSED_STATUSES = (STATUS_RESOLVED, STATUS_REJECTED)


class CustomerRequest(Base):
    """One submission with its reference, as the counter clerk's form and number are today.

    A record the supplier answers to: deleting the account keeps it, without the link to the
    account (the account's contact data were never copied here; the customer code stays, as on
    payments). `version` grows with every change, so an agent who acts on an older view of the
    request is told it changed instead of overwriting a colleague's move.
    """

    __tablename__ = "customer_requests"
    __table_args__ = (
        # The customer's list, newest first, and the day's count for the daily limit.
        Index("ix_customer_requests_account_created", "account_id", "created_at"),
        # Support's queue: open ones first, oldest first.
        Index("ix_customer_requests_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # KS-YYYY-NNNNNN, upper case; from RequestCounter, so never reused.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    # The account's own customer code when it filed (as the CIS writes it) and its match key.
    customer_code: Mapped[str] = mapped_column(String(32))
    code_key: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    topic: Mapped[str] = mapped_column(String(32))
    # Meters are never deleted (the CIS retires them, the row stays), so a plain foreign key.
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id"))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=STATUS_RECEIVED)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]

    account: Mapped[Account | None] = relationship()
    meter: Mapped[Meter | None] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request",
        order_by="RequestEvent.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def meter_number(self) -> str | None:
        return self.meter.meter_number if self.meter is not None else None

    @property
    def customer_name(self) -> str | None:
        """The account's name; None once the account was deleted."""
        account = self.account
        return f"{account.first_name} {account.last_name}" if account is not None else None


class RequestEvent(Base):
    """A line of a request's history: its filing, a move to another status, or a reply."""

    __tablename__ = "customer_request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("customer_requests.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12))
    # What the customer reads; none on the filing and on a move without a word.
    note: Mapped[str | None] = mapped_column(Text)
    # Who acted, for the console; the customer is never shown it. None: the customer filed.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    request: Mapped[CustomerRequest] = relationship(back_populates="events")
    staff: Mapped[StaffMember | None] = relationship()

    @property
    def staff_email(self) -> str | None:
        return self.staff.email if self.staff is not None else None


class RequestCounter(Base):
    """The last reference number given in a year (Kosovo time).

    Kept apart from the requests so that a number is never given twice, whatever happens to
    the rows that carry it; bumped by one upsert that locks the year's row until commit.
    """

    __tablename__ = "customer_request_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int]
