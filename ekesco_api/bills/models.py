"""Monthly bills as the CIS issued them; this service never invents one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ekesco_api.db import Base
from ekesco_api.meters.models import SupplyPoint


class Bill(Base):
    """One monthly bill of a supply point; money in Numeric(12, 2), consumption in kWh."""

    __tablename__ = "bills"
    __table_args__ = (Index("ix_bills_supply_point_period", "supply_point_id", "period"),)

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
