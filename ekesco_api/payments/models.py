"""Payments: those the CIS recorded elsewhere, and the app's own card payments with their audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ekesco_api.clock import local_date
from ekesco_api.db import Base

STATUS_PENDING = "pending"
STATUS_SUCCEEDED = "succeeded"
STATUS_FAILED = "failed"
STATUS_EXPIRED = "expired"
PAYMENT_STATUSES = (STATUS_PENDING, STATUS_SUCCEEDED, STATUS_FAILED, STATUS_EXPIRED)


class CisPayment(Base):
    """A payment the supplier's CIS knows of, matched by its reference.

    `paid_on` is the day in Kosovo of `paid_at`. A payment counts against the bills issued on or
    before that day, and balances compare the two in SQL; SQLite knows no time zones, so the
    day is stored, set whenever `paid_at` is (here for the ORM, by the CIS import for its bulk
    inserts).
    """

    __tablename__ = "cis_payments"
    # Balances sum a supply point's payments since a day; the index answers that on its own.
    __table_args__ = (Index("ix_cis_payments_supply_point_paid_on", "supply_point_id", "paid_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    supply_point_id: Mapped[int] = mapped_column(ForeignKey("supply_points.id"))
    amount: Mapped[Decimal]
    paid_at: Mapped[dt.datetime]
    paid_on: Mapped[dt.date]
    channel: Mapped[str] = mapped_column(String(32))

    @validates("paid_at")
    def _set_paid_on(self, _key: str, paid_at: dt.datetime) -> dt.datetime:
        self.paid_on = local_date(paid_at)
        return paid_at


class Payment(Base):
    """A card payment made in the app: one intent at the bank, for one or several customer codes.

    A payment is a financial record: removing the account keeps it (the link becomes NULL).
    Someone paying a paper bill without an account (`public_payments`) makes one with no
    account at all; the receipt then goes to the e-mail address they gave, if any, in the
    language they asked in.
    """

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_account_newest", "account_id", "id"),
        Index("ix_payments_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal]
    commission: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    redirect_url: Mapped[str] = mapped_column(Text)
    # What the bank calls its transaction; the CIS brings it back as its payment reference.
    bank_reference: Mapped[str | None] = mapped_column(String(60), unique=True)
    created_at: Mapped[dt.datetime]
    completed_at: Mapped[dt.datetime | None]
    payer_email: Mapped[str | None] = mapped_column(String(254))
    payer_language: Mapped[str | None] = mapped_column(String(2))

    items: Mapped[list[PaymentItem]] = relationship(
        back_populates="payment", order_by="PaymentItem.position", cascade="all, delete-orphan"
    )


class PaymentItem(Base):
    """What one payment pays on one meter's customer code (names copied as they were then).

    An app payment names the meter; a payment of a paper bill without an account names the
    bill instead (it pays the code, whichever meters it has).
    """

    __tablename__ = "payment_items"
    __table_args__ = (UniqueConstraint("payment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"))
    position: Mapped[int]
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id"))
    supply_point_id: Mapped[int] = mapped_column(ForeignKey("supply_points.id"), index=True)
    meter_number: Mapped[str | None] = mapped_column(String(32))
    customer_code: Mapped[str] = mapped_column(String(32))
    bill_number: Mapped[str | None] = mapped_column(String(40))
    amount: Mapped[Decimal]
    # The reference the CIS gets for this item in the export and brings back in payments.csv
    # (`CisPayment.reference`): set when the bank confirms the payment.
    cis_reference: Mapped[str | None] = mapped_column(String(64), unique=True)

    payment: Mapped[Payment] = relationship(back_populates="items")


class IdempotencyKey(Base):
    """A client's `Idempotency-Key` with the request it came with and the answer it got.

    The unique key (account, key) is what makes concurrent retries create one payment: the
    row is inserted with the answer, in the transaction that creates the payment, and a
    second request with the key waits for the first and rolls its own payment back. Keys of
    payments made without an account have no account, and are unique among themselves.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("account_id", "key"),
        Index("ix_idempotency_keys_created_at", "created_at"),
        Index(
            "uq_idempotency_keys_public_key",
            "key",
            unique=True,
            postgresql_where=text("account_id IS NULL"),
            sqlite_where=text("account_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"))
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class PaymentCallback(Base):
    """Every call to POST /payments/callback, accepted or not, as it arrived (for audit)."""

    __tablename__ = "payment_callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[dt.datetime]
    # No foreign key: a forged callback may name a payment that does not exist.
    payment_id: Mapped[int | None] = mapped_column(index=True)
    timestamp_header: Mapped[str | None] = mapped_column(String(40))
    signature_header: Mapped[str | None] = mapped_column(String(200))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(32))
    status_code: Mapped[int]
