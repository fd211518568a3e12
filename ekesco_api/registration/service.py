"""Use cases of registration: register on a customer code, verify, resend, report delivery."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ekesco_api.accounts.models import STATUS_ACTIVE, STATUS_PENDING, Account
from ekesco_api.accounts.removal import delete_accounts
from ekesco_api.auth.tokens import TokenPair, issue_token_pair
from ekesco_api.keys import email_key, identifier_key
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.names import names_match
from ekesco_api.notifications.models import STATUS_FAILED, STATUS_SENT
from ekesco_api.passwords import hash_password
from ekesco_api.phones import carrier_of
from ekesco_api.registration import codes
from ekesco_api.registration.codes import AnySession
from ekesco_api.registration.errors import (
    CodeInvalid,
    CustomerCodeTaken,
    CustomerCodeUnknown,
    EmailTaken,
    PhoneTaken,
    VerificationNotFound,
)
from ekesco_api.registration.models import (
    CHANNEL_EMAIL,
    CHANNEL_SMS,
    PURPOSE_REGISTRATION,
    VerificationCode,
)
from ekesco_api.types import utcnow

# An unverified registration holds its customer code, e-mail and phone this long; after that a
# new registration may replace it. Without this, a typo in the phone number (or someone who
# typed another person's code and never verified) would block the code until support steps in.
DEFAULT_PENDING_HOLD = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Registration:
    """What POST /auth/register answers."""

    account_id: int
    status: str
    verification: VerificationCode


def _pending_hold() -> dt.timedelta:
    hold = current_app.config.get("REGISTRATION_PENDING_HOLD", DEFAULT_PENDING_HOLD)
    return hold if isinstance(hold, dt.timedelta) else dt.timedelta(seconds=int(hold))


def _conflict(session: AnySession, *, supply_point_id: int, key: str, phone: str) -> None:
    """Raise the 409 for the first of code, e-mail, phone that an account already holds."""
    holders = session.scalars(
        select(Account).where(
            or_(
                Account.supply_point_id == supply_point_id,
                Account.email_key == key,
                Account.phone == phone,
            )
        )
    ).all()
    if any(a.supply_point_id == supply_point_id for a in holders):
        raise CustomerCodeTaken()
    if any(a.email_key == key for a in holders):
        raise EmailTaken()
    if any(a.phone == phone for a in holders):
        raise PhoneTaken()


def _remove_stale(session: AnySession, *, supply_point_id: int, key: str, phone: str) -> None:
    """Delete unverified registrations past their hold that hold this code, e-mail or phone.

    In a SAVEPOINT, so that a row something else still points to simply stays (and its 409
    follows) instead of failing the request; two registrations removing the same one find it
    gone or delete nothing the second time.
    """
    stale = session.scalars(
        select(Account.id).where(
            Account.status == STATUS_PENDING,
            Account.created_at < utcnow() - _pending_hold(),
            or_(
                Account.supply_point_id == supply_point_id,
                Account.email_key == key,
                Account.phone == phone,
            ),
        )
    ).all()
    if not stale:
        return
    try:
        with session.begin_nested():
            delete_accounts(session, stale)
    except IntegrityError:
        pass


def register_account(
    session: AnySession,
    *,
    customer_code: str,
    first_name: str,
    last_name: str,
    phone: str,
    email: str,
    personal_number: str,
    id_card_expiry: dt.date,
    password: str,
    language: str,
) -> Registration:
    """Create a pending account on a customer code and send its code by SMS; commits.

    The input is already valid (the schema checked phone, personal number, card, password).
    Raises CustomerCodeUnknown (404), CustomerCodeTaken, EmailTaken, PhoneTaken (409) — also
    when a parallel registration wins the race: the unique keys on accounts decide, and the
    loser's IntegrityError becomes the same 409.
    """
    supply_point = session.scalars(
        select(SupplyPoint).where(SupplyPoint.code_key == identifier_key(customer_code))
    ).first()
    if supply_point is None:
        raise CustomerCodeUnknown()
    key = email_key(email)

    _remove_stale(session, supply_point_id=supply_point.id, key=key, phone=phone)
    _conflict(session, supply_point_id=supply_point.id, key=key, phone=phone)

    account = Account(
        supply_point_id=supply_point.id,
        first_name=first_name,
        last_name=last_name,
        email=email,
        email_key=key,
        phone=phone,
        personal_number=personal_number,
        id_card_expiry=id_card_expiry,
        password_hash=hash_password(password),
        language=language,
        status=STATUS_PENDING,
        name_matches_holder=names_match(
            first_name, last_name, supply_point.first_name, supply_point.last_name
        ),
        password_change_required=False,
        created_at=utcnow(),
    )
    try:
        session.add(account)
        session.flush()
        verification = codes.issue_code(
            session,
            account=account,
            purpose=PURPOSE_REGISTRATION,
            channel=CHANNEL_SMS,
            destination=phone,
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        _conflict(session, supply_point_id=supply_point.id, key=key, phone=phone)
        raise CustomerCodeTaken() from None  # the winner is gone again; say what is likeliest
    return Registration(account_id=account.id, status=account.status, verification=verification)


def _pending_account(session: AnySession, email: str) -> Account | None:
    account = session.scalars(select(Account).where(Account.email_key == email_key(email))).first()
    return account if account is not None and account.status == STATUS_PENDING else None


def verify_registration(
    session: AnySession, *, email: str, code: str, user_agent: str | None = None
) -> TokenPair:
    """Confirm the registration code, activate the account and log it in; commits.

    An unknown e-mail, or an account already active, gets the same CodeInvalid as a wrong code:
    the answer must not tell who has registered.
    """
    account = _pending_account(session, email)
    if account is None:
        raise CodeInvalid()
    codes.check_code(session, account=account, purpose=PURPOSE_REGISTRATION, code=code)
    account.status = STATUS_ACTIVE
    account.verified_at = utcnow()
    tokens = issue_token_pair(
        session,  # type: ignore[arg-type]
        account=account,
        user_agent=user_agent,
    )
    session.commit()
    return tokens


def resend_registration_code(session: AnySession, *, email: str, channel: str) -> None:
    """Send a new registration code by SMS or e-mail; commits.

    Nothing happens (and nothing is said) for an unknown e-mail or an active account.
    Raises ResendTooSoon (429) within 60 s of the previous code.
    """
    account = _pending_account(session, email)
    if account is None:
        return
    # Lock the account row, so that two parallel resends do not both pass the cooldown
    # (PostgreSQL; SQLite's write lock already serialises them).
    session.execute(select(Account.id).where(Account.id == account.id).with_for_update())
    destination = account.email if channel == CHANNEL_EMAIL else account.phone
    codes.issue_code(
        session,
        account=account,
        purpose=PURPOSE_REGISTRATION,
        channel=channel,
        destination=destination,
    )
    session.commit()


def _delivery(status: str) -> str:
    if status == STATUS_SENT:
        return "sent"
    if status == STATUS_FAILED:
        return "failed"
    return "queued"  # queued, or being handed over right now


def verification_status(session: AnySession, *, public_id: str, language: str) -> dict[str, Any]:
    """Whether the code's message has left, and through which operator.

    After a resend, the id of the first code reports the newest one: the customer asks
    "where is my code?", not "where is that message?".
    """
    try:
        wanted = uuid.UUID(public_id)
    except ValueError:
        raise VerificationNotFound() from None
    first = session.scalars(
        select(VerificationCode).where(VerificationCode.public_id == wanted)
    ).first()
    if first is None:
        raise VerificationNotFound()
    code = session.scalars(
        select(VerificationCode)
        .where(
            VerificationCode.account_id == first.account_id,
            VerificationCode.purpose == first.purpose,
            VerificationCode.id >= first.id,
        )
        .order_by(VerificationCode.id.desc())
        .limit(1)
    ).one()
    message = code.message
    return {
        "channel": code.channel,
        "sent_at": message.sent_at if message is not None else None,
        "delivery": _delivery(message.status) if message is not None else "queued",
        "carrier": carrier_of(code.destination, language) if code.channel == CHANNEL_SMS else None,
    }
