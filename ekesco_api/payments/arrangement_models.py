"""Arrangements that change what a supply point must pay now, besides its bills (the balance
shows them; the disconnection domain opens and closes them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ekesco_api.db import Base
from ekesco_api.types import utcnow

KIND_PAYMENT_AGREEMENT = "payment_agreement"
KIND_DISPUTED_BILL = "disputed_bill"
ARRANGEMENT_KINDS = (KIND_PAYMENT_AGREEMENT, KIND_DISPUTED_BILL)


class DueArrangement(Base):
    """What is due now under an arrangement: `installments` monthly parts of `total` from
    `first_due_on`, paid by what reached the supply point from `counted_from` on.

    A payment agreement spreads a debt over 2 to 12 installments; a disputed bill's undisputed
    part (ERO rule Art. 19.5) is one installment. The balance shows the open one beside the
    bills; the disconnection domain opens and closes them. At most one is open per supply point.
    """

    __tablename__ = "due_arrangements"
    __table_args__ = (
        Index(
            "ux_due_arrangements_open",
            "supply_point_id",
            unique=True,
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supply_point_id: Mapped[int] = mapped_column(ForeignKey("supply_points.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    total: Mapped[Decimal]
    installments: Mapped[int]
    first_due_on: Mapped[dt.date]
    counted_from: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]
