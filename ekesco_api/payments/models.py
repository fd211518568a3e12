"""Payments the CIS recorded elsewhere: bank, post office, cash desk."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ekesco_api.db import Base


class CisPayment(Base):
    """A payment the supplier's CIS knows of, matched by its reference."""

    __tablename__ = "cis_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    supply_point_id: Mapped[int] = mapped_column(ForeignKey("supply_points.id"), index=True)
    amount: Mapped[Decimal]
    paid_at: Mapped[dt.datetime]
    channel: Mapped[str] = mapped_column(String(32))
