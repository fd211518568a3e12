"""Dated tariffs: one row per regulator decision and customer category, prices kept as data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ekesco_api.db import Base

CATEGORIES = ("household", "commercial")

# Prices per kWh carry five decimals (EUR 0.09050 = 9.05 cents); fees are money (two places).
KWH_PRICE = Numeric(10, 5)


class Tariff(Base):
    """The retail tariff of one customer category from `valid_from` to `valid_to` (inclusive).

    Households pay in two monthly blocks: the first `block_kwh` of the month at `price_high` /
    `price_low`, the rest at `price_high_above` / `price_low_above`. A category without blocks
    (commercial) leaves the four block columns empty and pays `price_high` / `price_low` for all.
    `valid_to` is empty while no later decision has replaced the tariff.
    """

    __tablename__ = "tariffs"
    __table_args__ = (
        UniqueConstraint("valid_from", "category"),
        CheckConstraint("category IN ('household', 'commercial')", name="category"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity"),
        CheckConstraint(
            "(block_kwh IS NULL AND price_high_above IS NULL AND price_low_above IS NULL)"
            " OR (block_kwh > 0 AND price_high_above IS NOT NULL AND price_low_above IS NOT NULL)",
            name="blocks",
        ),
        CheckConstraint(
            "price_high >= 0 AND price_low >= 0 AND fixed_fee >= 0"
            " AND (price_high_above IS NULL OR price_high_above >= 0)"
            " AND (price_low_above IS NULL OR price_low_above >= 0)",
            name="non_negative",
        ),
        CheckConstraint("vat_percent >= 0 AND vat_percent <= 100", name="vat_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]
    price_high: Mapped[Decimal] = mapped_column(KWH_PRICE)
    price_low: Mapped[Decimal] = mapped_column(KWH_PRICE)
    block_kwh: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    price_high_above: Mapped[Decimal | None] = mapped_column(KWH_PRICE)
    price_low_above: Mapped[Decimal | None] = mapped_column(KWH_PRICE)
    fixed_fee: Mapped[Decimal]  # EUR per month
    vat_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    # The citation: which decision set these figures, and where to read it.
    decision_number: Mapped[str] = mapped_column(String(80))
    decision_date: Mapped[dt.date]
    decision_title: Mapped[str] = mapped_column(String(300))
    source_url: Mapped[str | None] = mapped_column(String(300))
    # Which figures are derived or estimated rather than published; shown to clients.
    note: Mapped[str | None] = mapped_column(Text)

    @property
    def has_blocks(self) -> bool:
        return self.block_kwh is not None

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def __repr__(self) -> str:
        return f"<Tariff {self.category} {self.valid_from}..{self.valid_to or ''}>"
