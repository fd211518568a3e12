"""Customer accounts of the app, each registered on one supply point of the CIS."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ekesco_api.db import Base
from ekesco_api.types import utcnow

if TYPE_CHECKING:
    # Only a type: the account sits below meters, and the mapper finds SupplyPoint by name.
    from ekesco_api.meters.models import SupplyPoint

STATUS_PENDING = "pending_verification"
STATUS_ACTIVE = "active"


class Account(Base):
    """A registered customer. One per customer code (the unique supply_point_id makes it so)."""

    __tablename__ = "accounts"
    # Never reuse a deleted account's id on SQLite: rows linked without a foreign key (inbox,
    # message log) must not drift to a newcomer should an unlink ever be missed.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    supply_point_id: Mapped[int] = mapped_column(ForeignKey("supply_points.id"), unique=True)
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str] = mapped_column(String(16), unique=True)  # E.164
    personal_number: Mapped[str] = mapped_column(String(10))
    id_card_expiry: Mapped[dt.date]
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2), default="sq")
    status: Mapped[str] = mapped_column(String(24), default=STATUS_PENDING)
    name_matches_holder: Mapped[bool]
    # Set by a support reset: the next login may only change the password.
    password_change_required: Mapped[bool] = mapped_column(default=False)
    # A new e-mail or phone waits here until its own code is confirmed.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    pending_phone: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[dt.datetime | None]

    supply_point: Mapped[SupplyPoint] = relationship()
