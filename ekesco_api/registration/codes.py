"""One-time 6-digit codes that prove an account holds a phone or an e-mail address.

Used for registration (here) and for a new phone or e-mail (PATCH /me, the accounts domain):
`issue_code` sends a code, `check_code` consumes it.

Rules: 6 digits from `secrets`; valid 10 minutes; 5 wrong tries burn it; a new one may be asked
for 60 seconds after the last. A new code replaces the ones before it, except the one just
before (when it went to the same place, or for registration to either of the account's own
addresses): an SMS can arrive minutes late, and a customer who gave up waiting, asked again and
then types the late code must not be told it is wrong. A wrong try counts against every live code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import re
import secrets
import uuid
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session, scoped_session

from ekesco_api.accounts.models import Account
from ekesco_api.i18n import _, language
from ekesco_api.notifications.service import queue_message
from ekesco_api.registration.errors import (
    CodeExpired,
    CodeInvalid,
    ResendTooSoon,
    TooManyAttempts,
)
from ekesco_api.registration.models import (
    CHANNEL_EMAIL,
    CHANNELS,
    PURPOSE_PHONE_CHANGE,
    PURPOSE_REGISTRATION,
    PURPOSES,
    VerificationCode,
)
from ekesco_api.types import utcnow

__all__ = [
    "CODE_LIFETIME",
    "MAX_ATTEMPTS",
    "RESEND_COOLDOWN",
    "CodeExpired",
    "CodeInvalid",
    "ResendTooSoon",
    "TooManyAttempts",
    "check_code",
    "issue_code",
    "newest_code",
]

AnySession = Session | scoped_session[Any]

CODE_DIGITS = 6
CODE_LIFETIME = dt.timedelta(minutes=10)
RESEND_COOLDOWN = dt.timedelta(seconds=60)
MAX_ATTEMPTS = 5
MESSAGE_KIND = "verification_code"

_SPACES = re.compile(r"[\s\-]+")
_CODE = re.compile(rf"^[0-9]{{{CODE_DIGITS}}}$")


def generate_code() -> str:
    """Six random digits, leading zeros kept."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _mac(public_id: uuid.UUID, purpose: str, code: str) -> str:
    # An HMAC, not argon2: with only 10^6 possible codes a slow hash would not stop anyone who
    # has the table (trying them all is quick at any cost we could afford per login); the key,
    # which lives outside the database, is what makes a stolen table useless. The row's own id
    # in the message keeps two rows with the same code from having the same MAC.
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = hmac.new(secret, b"ekesco verification codes", hashlib.sha256).digest()
    message = f"{public_id}:{purpose}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _render(purpose: str, channel: str, code: str) -> tuple[str | None, str]:
    """Subject (e-mail only) and body, in the current language; the code is their only 6 digits."""
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    if purpose == PURPOSE_REGISTRATION:
        body = _(
            "eKesco: your registration code is %(code)s. It is valid for %(minutes)s minutes. "
            "Do not share it with anyone.",
            code=code,
            minutes=minutes,
        )
    elif purpose == PURPOSE_PHONE_CHANGE:
        body = _(
            "eKesco: the code that confirms this phone number is %(code)s. It is valid for "
            "%(minutes)s minutes. Do not share it with anyone.",
            code=code,
            minutes=minutes,
        )
    else:
        body = _(
            "eKesco: the code that confirms this e-mail address is %(code)s. It is valid for "
            "%(minutes)s minutes. Do not share it with anyone.",
            code=code,
            minutes=minutes,
        )
    subject = _("Your eKesco code") if channel == CHANNEL_EMAIL else None
    return subject, body


def newest_code(session: AnySession, *, account: Account, purpose: str) -> VerificationCode | None:
    """The last code issued to the account for this purpose, whatever its state."""
    return session.scalars(
        select(VerificationCode)
        .where(VerificationCode.account_id == account.id, VerificationCode.purpose == purpose)
        .order_by(VerificationCode.id.desc())
        .limit(1)
    ).first()


def issue_code(
    session: AnySession, *, account: Account, purpose: str, channel: str, destination: str
) -> VerificationCode:
    """Create a code and queue its SMS or e-mail in the account's language; does not commit.

    Raises ResendTooSoon (429, with Retry-After) within 60 s of the previous code for this
    account and purpose. The message leaves right after the caller commits.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}; got {purpose!r}")
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}; got {channel!r}")
    now = utcnow()
    if account.id is None:
        session.flush()
    previous = newest_code(session, account=account, purpose=purpose)
    if previous is not None:
        if now < previous.resend_after:
            wait = math.ceil((previous.resend_after - now).total_seconds())
            raise ResendTooSoon(max(wait, 1))
        # Only the newest code before this one stays alive, and only for the same target.
        stale = [_live_filter(account, purpose)]
        if purpose == PURPOSE_REGISTRATION or previous.destination == destination:
            stale.append(VerificationCode.id != previous.id)
        session.execute(
            update(VerificationCode)
            .where(*stale)
            .values(revoked_at=now)
            .execution_options(synchronize_session="fetch")
        )
    code = generate_code()
    public_id = uuid.uuid4()
    with language(account.language):
        subject, body = _render(purpose, channel, code)
    message = queue_message(
        session,
        channel=channel,
        to=destination,
        body=body,
        subject=subject,
        kind=MESSAGE_KIND,
        account_id=account.id,
        secret=True,  # the worker removes the code from the outbox once it went out
    )
    verification = VerificationCode(
        public_id=public_id,
        account=account,
        purpose=purpose,
        channel=channel,
        destination=destination,
        code_mac=_mac(public_id, purpose, code),
        attempts=0,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
        resend_after=now + RESEND_COOLDOWN,
        message=message,
    )
    session.add(verification)
    session.flush()
    return verification


def revoke_codes(session: AnySession, *, account: Account, purpose: str) -> None:
    """Revoke the account's live codes for `purpose` (a change made for it); does not commit."""
    session.execute(
        update(VerificationCode)
        .where(_live_filter(account, purpose))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _live_filter(account: Account, purpose: str) -> Any:
    return (
        (VerificationCode.account_id == account.id)
        & (VerificationCode.purpose == purpose)
        & VerificationCode.used_at.is_(None)
        & VerificationCode.revoked_at.is_(None)
    )


def check_code(
    session: AnySession, *, account: Account, purpose: str, code: str
) -> VerificationCode:
    """Consume the account's code for this purpose, or raise; the caller commits on success.

    Raises CodeInvalid (400) for a wrong code, CodeExpired (400) when every code has expired,
    TooManyAttempts (429) on the 5th wrong try and afterwards. A wrong try is committed here
    before raising: it must count even though the request fails.

    Each try first takes one attempt with a conditional UPDATE (attempts < 5), so parallel
    guesses cannot test more than 5 codes between them: the row lock (PostgreSQL) or the write
    lock (SQLite) queues them.
    """
    now = utcnow()
    pending = session.scalars(
        select(VerificationCode)
        .where(_live_filter(account, purpose))
        .order_by(VerificationCode.id.desc())
        .execution_options(populate_existing=True)
    ).all()
    live = [c for c in pending if c.expires_at > now and c.attempts < MAX_ATTEMPTS]
    if not live:
        if any(c.expires_at > now for c in pending):
            raise TooManyAttempts()
        if pending:
            raise CodeExpired()
        raise CodeInvalid()
    guess = _SPACES.sub("", code or "")
    if not _CODE.match(guess):
        raise CodeInvalid()  # not a code at all: no try spent

    tried: list[VerificationCode] = []
    for candidate in live:
        taken = session.execute(
            update(VerificationCode)
            .where(
                VerificationCode.id == candidate.id,
                VerificationCode.attempts < MAX_ATTEMPTS,
                VerificationCode.used_at.is_(None),
                VerificationCode.revoked_at.is_(None),
            )
            .values(attempts=VerificationCode.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            session.refresh(candidate)
            tried.append(candidate)

    for candidate in tried:
        if hmac.compare_digest(candidate.code_mac, _mac(candidate.public_id, purpose, guess)):
            used = session.execute(
                update(VerificationCode)
                .where(VerificationCode.id == candidate.id, VerificationCode.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            if used.rowcount != 1:  # type: ignore[attr-defined]
                break  # a parallel request used it first
            session.execute(
                update(VerificationCode)
                .where(_live_filter(account, purpose))
                .values(revoked_at=now)
                .execution_options(synchronize_session="fetch")
            )
            session.refresh(candidate)
            return candidate

    session.commit()
    for candidate in live:
        session.refresh(candidate)
    if any(c.used_at is None and c.revoked_at is None and c.attempts < MAX_ATTEMPTS for c in live):
        raise CodeInvalid()
    if any(c.attempts >= MAX_ATTEMPTS for c in live):
        raise TooManyAttempts()
    raise CodeInvalid()
