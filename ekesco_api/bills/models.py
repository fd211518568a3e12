"""Monthly bills as the CIS issued them (never invented here), and the notices about them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ekesco_api.db import Base
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.notifications.preferences import KIND_BILL_DUE, KIND_BILL_ISSUED


class Bill(Base):
    """One monthly bill of a supply point; money in Numeric(12, 2), consumption in kWh."""

    __tablename__ = "bills"
    __table_args__ = (
        Index("ix_bills_supply_point_period", "supply_point_id", "period"),
        # The due-date reminders look up the bills due in the next few days.
        Index("ix_bills_due_on", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_number: Mapped[str] = mapped_column(String(40), unique=True)
    supply_point_id: Mapped[int] = mapped_column(ForeignKey("supply_points.id"))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    issued_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    kwh_high: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    kwh_low: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    energy_amount: Mapped[Decimal]
    fixed_fee: Mapped[Decimal]
    vat_amount: Mapped[Decimal]
    previous_balance: Mapped[Decimal]
    total: Mapped[Decimal]

    supply_point: Mapped[SupplyPoint] = relationship()


# A notice's kind is its inbox entry's, the one the customer may switch off.
NOTICE_ISSUED = KIND_BILL_ISSUED
NOTICE_DUE = KIND_BILL_DUE
NOTICE_QUEUED = "queued"
NOTICE_SENT = "sent"
# Not told: the account went, the customer switched the kind off, or the bill was paid first.
NOTICE_SKIPPED = "skipped"


class BillNotice(Base):
    """That a bill's account is (to be) told of it: a new bill, or its due date coming near.

    The unique (bill, kind) is what makes each notice happen at most once per bill whatever
    the number of imports, runs or workers: it is claimed with INSERT … ON CONFLICT DO NOTHING,
    queued, and sent by `bills.notices.send_bill_notices`.
    """

    __tablename__ = "bill_notices"
    __table_args__ = (
        UniqueConstraint("bill_id", "kind"),
        # What is waiting to be sent: the few queued rows, never the sent bulk.
        Index(
            "ix_bill_notices_queued",
            "id",
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"))
    kind: Mapped[str] = mapped_column(String(16))
    # The account the bill's code was on when the notice was queued; kept (unlinked) when the
    # account goes, so that a newcomer on the code is not told of the same bill again.
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
