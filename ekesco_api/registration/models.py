"""One-time verification codes (registration, a new phone, a new e-mail) and their delivery."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ekesco_api.accounts.models import Account
from ekesco_api.db import Base
from ekesco_api.notifications.models import Message
from ekesco_api.types import utcnow

PURPOSE_REGISTRATION = "registration"
PURPOSE_PHONE_CHANGE = "phone_change"
PURPOSE_EMAIL_CHANGE = "email_change"
PURPOSES = (PURPOSE_REGISTRATION, PURPOSE_PHONE_CHANGE, PURPOSE_EMAIL_CHANGE)

CHANNEL_SMS = "sms"
CHANNEL_EMAIL = "email"
CHANNELS = (CHANNEL_SMS, CHANNEL_EMAIL)


class VerificationCode(Base):
    """A 6-digit code sent to a phone or an e-mail address to prove the account holds it.

    Only an HMAC of the code is stored. `public_id` is what clients see (the verification id of
    the registration answer); the integer key never leaves the database.
    """

    __tablename__ = "verification_codes"
    __table_args__ = (Index("ix_verification_codes_account_purpose", "account_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    # A registration removed by support (or replaced when stale) takes its codes with it.
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))
    # The phone (E.164) or e-mail address the code went to.
    destination: Mapped[str] = mapped_column(String(254))
    code_mac: Mapped[str] = mapped_column(String(64))
    # Tries so far, the right one included; the 5th wrong one burns the code.
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    resend_after: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    # Set when a newer code replaced this one or another code was used.
    revoked_at: Mapped[dt.datetime | None]
    # The outbox row that carries the code, so that delivery can be reported (kept if the
    # outbox is ever pruned: the code stays, its delivery becomes unknown).
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )

    account: Mapped[Account] = relationship()
    message: Mapped[Message | None] = relationship()

    def __repr__(self) -> str:
        return f"<VerificationCode {self.public_id} {self.purpose} {self.channel}>"
