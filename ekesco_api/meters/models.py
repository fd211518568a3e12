"""The supplier's supply points (customer codes), their meters and remote readings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ekesco_api.areas.models import Area
from ekesco_api.db import Base
from ekesco_api.types import utcnow

CATEGORIES = ("household", "commercial")
READING_MODES = ("remote", "manual")
TARIFF_TYPES = ("single", "dual")


def address_of(street: str, neighbourhood: str, locality: str, city: str) -> str:
    """The one-line address, each part once (a village's locality is often its city's name)."""
    seen: list[str] = []
    for part in (street, neighbourhood, locality, city):
        if part and part not in seen:
            seen.append(part)
    return ", ".join(seen)


class SupplyPoint(Base):
    """A customer code of the CIS: the holder, the address and the category of supply."""

    __tablename__ = "supply_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[str] = mapped_column(String(32))
    code_key: Mapped[str] = mapped_column(String(32), unique=True)
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120))
    personal_number: Mapped[str | None] = mapped_column(String(10), index=True)
    street: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(120))
    locality: Mapped[str] = mapped_column(String(120))
    neighbourhood: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(16))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    area: Mapped[Area | None] = relationship()
    meters: Mapped[list[Meter]] = relationship(back_populates="supply_point")

    @property
    def holder_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def address(self) -> str:
        return address_of(self.street, self.neighbourhood, self.locality, self.city)


class Meter(Base):
    """A meter of a supply point, read remotely or by hand (SOND) once a month."""

    __tablename__ = "meters"

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_number: Mapped[str] = mapped_column(String(32))
    number_key: Mapped[str] = mapped_column(String(32), unique=True)
    supply_point_id: Mapped[int] = mapped_column(ForeignKey("supply_points.id"), index=True)
    reading_mode: Mapped[str] = mapped_column(String(8))
    tariff_type: Mapped[str] = mapped_column(String(8))

    supply_point: Mapped[SupplyPoint] = relationship(back_populates="meters")


class Reading(Base):
    """A remote register read: running totals at high and low tariff."""

    __tablename__ = "readings"
    __table_args__ = (UniqueConstraint("meter_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"))
    read_at: Mapped[dt.datetime]
    kwh_high_total: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    kwh_low_total: Mapped[Decimal] = mapped_column(Numeric(14, 3))
