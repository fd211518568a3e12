"""The app's own meter tables: which supply points and meters sit on which account, and warnings.

The CIS mirror (supply points, meters, reads) lives in `models.py` and belongs to the import;
these tables belong to the app and are never touched by it.

How a meter gets onto an account:
- The registration's own supply point (`Account.supply_point_id`) is on its account by
  definition: its meters are listed first, as primary, and cannot be removed. Nothing is
  stored for them until the customer gives one a nickname.
- Any other supply point is claimed with `POST /meters`: one `SupplyPointClaim` row (its primary
  key is the supply point, so the database lets only one account hold it) and one
  `AccountMeter` row per meter added (a meter's id is unique, too). The composite foreign key
  ties every meter row to its own account's claim, and deleting the claim removes them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ekesco_api.db import Base
from ekesco_api.types import utcnow


class SupplyPointClaim(Base):
    """A supply point (customer code) held by one account, besides the registration's own."""

    __tablename__ = "supply_point_claims"
    __table_args__ = (
        # The target of account_meters' composite foreign key.
        UniqueConstraint("supply_point_id", "account_id"),
    )

    supply_point_id: Mapped[int] = mapped_column(
        ForeignKey("supply_points.id"), primary_key=True, autoincrement=False
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    claimed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AccountMeter(Base):
    """A meter on an account: added with `POST /meters`, or a primary meter given a nickname."""

    __tablename__ = "account_meters"
    __table_args__ = (
        ForeignKeyConstraint(
            ["supply_point_id", "account_id"],
            ["supply_point_claims.supply_point_id", "supply_point_claims.account_id"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    supply_point_id: Mapped[int]
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"), unique=True)
    nickname: Mapped[str | None] = mapped_column(String(40))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class BlockWarning(Base):
    """A sent warning that a meter's month is nearing the 800 kWh block: one per meter and month.

    The unique key is what makes "once per month" hold when two workers or two imports run the
    check at the same time: the second insert fails and that worker sends nothing.
    """

    __tablename__ = "block_warnings"
    __table_args__ = (UniqueConstraint("meter_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM, local calendar month
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    kwh: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    threshold_kwh: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
