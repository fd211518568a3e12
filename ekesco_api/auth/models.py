"""Session families, the refresh tokens that rotate inside them, and password-reset tokens."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ekesco_api.db import Base
from ekesco_api.types import utcnow

KIND_CUSTOMER = "customer"
KIND_STAFF = "staff"

# Why a family ended; kept for support and the audit trail.
REASON_LOGOUT = "logout"
REASON_REFRESH_REUSE = "refresh_reuse"
REASON_PASSWORD_CHANGED = "password_changed"
REASON_PASSWORD_RESET = "password_reset"


def new_id() -> str:
    """A 128-bit random hex id for families and refresh tokens."""
    # Random rather than sequential: a token's `fam` claim then says nothing about other logins.
    return secrets.token_hex(16)


class SessionFamily(Base):
    """One login: every access and refresh token it yields carries its id as the `fam` claim.

    Revoking the family (logout, a reused refresh token, a password change or reset) ends every
    token of that login at once, because each request looks the family up by primary key.
    """

    __tablename__ = "session_families"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'customer' AND account_id IS NOT NULL)"
            " OR (kind = 'staff' AND staff_id IS NOT NULL)",
            name="subject",
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(8))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    # No ON DELETE: staff who leave are switched off, never deleted (the audit trail names
    # them), so a member with sessions is not deleted either.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16), default="full")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    # The app or browser that logged in, as it named itself: shown back to the customer in
    # their data export, so a login they do not recognise stands out.
    user_agent: Mapped[str | None] = mapped_column(String(200))

    @property
    def subject_id(self) -> int:
        subject = self.account_id if self.kind == KIND_CUSTOMER else self.staff_id
        assert subject is not None  # the check constraint guarantees it
        return subject


class RefreshToken(Base):
    """A refresh token handed out; each may be used once, and a second use betrays a theft."""

    __tablename__ = "refresh_tokens"

    jti: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    family_id: Mapped[str] = mapped_column(
        ForeignKey("session_families.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class PasswordResetToken(Base):
    """A single-use link token from "forgot password"; only its SHA-256 digest is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
