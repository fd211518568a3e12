"""Staff members (apart from customer accounts) and the append-only audit trail of their acts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from ekesco_api.db import Base
from ekesco_api.types import utcnow

ROLE_SUPPORT = "support"
ROLE_DISPATCHER = "dispatcher"
ROLE_ADMIN = "admin"
ROLES = (ROLE_SUPPORT, ROLE_DISPATCHER, ROLE_ADMIN)

OUTCOME_SUCCESS = "success"
OUTCOME_FAILED = "failed"


class StaffMember(Base):
    """A person of the supplier who logs in to the console; never a customer account."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    # Staff who leave are switched off, never deleted: the audit trail names them.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]


class AuditEntry(Base):
    """One staff action: who, in which role, what, on which account or code, why, how it ended.

    Append-only: nothing in the API edits or deletes a row (the mapper refuses it, too), and rows
    are kept at least 3 years (no deletion job exists). `account_id` and `customer_code` are plain
    values, not foreign keys, so the record outlives a registration that support removed.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_created_at", "created_at"),
        Index("ix_audit_entries_staff_created", "staff_id", "created_at"),
        Index("ix_audit_entries_account_created", "account_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    # Copies, so that the entry reads the same after the staff member's role changes.
    staff_email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40), index=True)
    account_id: Mapped[int | None]
    customer_code: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(8))
    # The problem `code` of a failed action.
    error_code: Mapped[str | None] = mapped_column(String(40))
    # What was asked and changed (channel, fields, lookup key); never a secret.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(_mapper: Any, _connection: Any, target: AuditEntry) -> None:
    raise RuntimeError(f"audit entries are append-only (entry {target.id})")
