"""Use cases of staff: accounts and login, customer care, the audit log; each commits its work."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import STATUS_ACTIVE, Account
from ekesco_api.accounts.removal import delete_accounts
from ekesco_api.auth.models import KIND_STAFF, REASON_PASSWORD_RESET, PasswordResetToken
from ekesco_api.auth.service import personal_words
from ekesco_api.auth.sessions import revoke_account_sessions
from ekesco_api.auth.tokens import start_session
from ekesco_api.db import after_rollback
from ekesco_api.i18n import _, language
from ekesco_api.integrity import violated_unique
from ekesco_api.keys import email_key, identifier_key
from ekesco_api.meters import service as meter_service
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.notifications.models import STATUS_FAILED, STATUS_SENT, Message
from ekesco_api.notifications.service import queue_message
from ekesco_api.passwords import (
    DUMMY_HASH,
    WeakPassword,
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from ekesco_api.phones import carrier_of
from ekesco_api.profile import service as profile_service
from ekesco_api.registration.errors import EmailTaken, PhoneTaken
from ekesco_api.registration.models import (
    CHANNEL_SMS,
    PURPOSE_EMAIL_CHANGE,
    PURPOSE_PHONE_CHANGE,
    VerificationCode,
)
from ekesco_api.staff import audit
from ekesco_api.staff.audit import Actor, Record, audited
from ekesco_api.staff.errors import (
    AccountNotFound,
    InvalidStaffCredentials,
    RegistrationInUse,
    RegistrationNotFound,
)
from ekesco_api.staff.models import ROLES, AuditEntry, StaffMember
from ekesco_api.types import utcnow

# How much of a customer's message history the lookup shows.
RECENT_CODES = 10
RECENT_MESSAGES = 20

# Temporary passwords: 4 groups of 4 from 31 letters and digits (no 0/o, 1/l/i), ~79 bits.
# Groups of 4 never make the 6-digit run that clients read as a verification code.
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class StaffExists(Exception):
    """create-staff for an e-mail that already has a staff member."""


# --- staff accounts and login -------------------------------------------------------------


def create_staff(session: Session, *, email: str, role: str, password: str) -> StaffMember:
    """A new staff member; raises WeakPassword, StaffExists or ValueError (unknown role)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    check_password_policy(password, personal=[email])
    key = email_key(email)
    if session.scalar(select(StaffMember.id).where(StaffMember.email_key == key)) is not None:
        raise StaffExists(email)
    member = StaffMember(
        email=email.strip(),
        email_key=key,
        password_hash=hash_password(password),
        role=role,
        active=True,
        created_at=utcnow(),
    )
    session.add(member)
    try:
        session.commit()
    except IntegrityError:
        raise after_rollback(session, StaffExists(email)) from None
    return member


def login(
    session: Session, *, email: str, password: str, request_id: str | None = None
) -> dict[str, Any]:
    """A staff token pair with `role`; one 401 for an unknown e-mail, a wrong password, or a
    switched-off member, after the same argon2 work. Every attempt lands in the audit log."""
    key = email_key(email)
    member = session.scalar(select(StaffMember).where(StaffMember.email_key == key))
    ok = verify_password(member.password_hash if member else DUMMY_HASH, password)
    actor = Actor(
        staff_id=member.id if member else None,
        role=member.role if member else None,
        email=member.email if member else key[:254],
        request_id=request_id,
    )
    with audited(session, actor=actor, action=audit.ACTION_LOGIN):
        if member is None or not ok or not member.active:
            raise InvalidStaffCredentials()
        if needs_rehash(member.password_hash):
            member.password_hash = hash_password(password)
        member.last_login_at = utcnow()
        pair = start_session(session, kind=KIND_STAFF, subject_id=member.id, role=member.role)
    return {**pair, "role": member.role}


def get_staff(session: Session, *, staff_id: int) -> StaffMember | None:
    return session.get(StaffMember, staff_id)


# --- customer care -------------------------------------------------------------------------


def _delivery(status: str) -> str:
    if status == STATUS_SENT:
        return "sent"
    if status == STATUS_FAILED:
        return "failed"
    return "queued"


def _message_view(message: Message | None, *, channel: str, to: str) -> dict[str, Any]:
    # Bodies are never shown: they carry codes and temporary passwords.
    return {
        "status": _delivery(message.status) if message else "queued",
        "sent_at": message.sent_at if message else None,
        "attempts": message.attempts if message else 0,
        "last_error": message.last_error if message else None,
        "carrier": carrier_of(to, "en") if channel == CHANNEL_SMS else None,
    }


def customer_view(session: Session, account: Account) -> dict[str, Any]:
    """What an agent sees of an account: contact data, meters, codes and messages sent."""
    supply_point = account.supply_point
    codes = session.scalars(
        select(VerificationCode)
        .where(VerificationCode.account_id == account.id)
        .order_by(VerificationCode.id.desc())
        .limit(RECENT_CODES)
    ).all()
    messages = session.scalars(
        select(Message)
        .where(Message.account_id == account.id)
        .order_by(Message.id.desc())
        .limit(RECENT_MESSAGES)
    ).all()
    return {
        "account_id": account.id,
        "customer_code": supply_point.customer_code,
        "holder_name": supply_point.holder_name,
        "address": supply_point.address,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "phone": account.phone,
        "phone_carrier": carrier_of(account.phone, "en"),
        "pending_email": account.pending_email,
        "pending_phone": account.pending_phone,
        "personal_number": account.personal_number,
        "language": account.language,
        "status": account.status,
        "verified": account.status == STATUS_ACTIVE,
        "verified_at": account.verified_at,
        "name_matches_holder": account.name_matches_holder,
        "password_change_required": account.password_change_required,
        "created_at": account.created_at,
        # The customer's own list: the registration's meters first, then those added.
        "meters": meter_service.list_meters(session, account_id=account.id),
        "codes": [
            {
                "id": code.public_id,
                "purpose": code.purpose,
                "channel": code.channel,
                "destination": code.destination,
                "created_at": code.created_at,
                "expires_at": code.expires_at,
                "used_at": code.used_at,
                "revoked_at": code.revoked_at,
                "code_attempts": code.attempts,
                **_message_view(code.message, channel=code.channel, to=code.destination),
            }
            for code in codes
        ],
        "messages": [
            {
                "id": message.id,
                "channel": message.channel,
                "kind": message.kind,
                "recipient": message.recipient,
                "created_at": message.created_at,
                **_message_view(message, channel=message.channel, to=message.recipient),
            }
            for message in messages
        ],
    }


def _lookup_statement(key: str, value: str) -> Select[Any]:
    statement = select(Account).join(SupplyPoint, Account.supply_point_id == SupplyPoint.id)
    if key == "email":
        return statement.where(Account.email_key == email_key(value))
    if key == "customer_code":
        return statement.where(SupplyPoint.code_key == identifier_key(value))
    if key == "personal_number":
        # The number given at registration, or the CIS holder's: either finds the account.
        return statement.where(
            (Account.personal_number == value) | (SupplyPoint.personal_number == value)
        )
    if key == "phone":
        return statement.where(Account.phone == value)
    raise ValueError(f"unknown lookup key {key!r}")


def find_customers(session: Session, *, actor: Actor, key: str, value: str) -> list[dict[str, Any]]:
    """Accounts matching one key; the lookup itself is audited (it shows personal data)."""
    record = Record(details={"by": key, "value": value})
    with audited(session, actor=actor, action=audit.ACTION_CUSTOMER_LOOKUP, record=record):
        accounts = session.scalars(_lookup_statement(key, value).order_by(Account.id)).all()
        views = [customer_view(session, account) for account in accounts]
        record.details["found"] = len(accounts)
        if len(accounts) == 1:
            record.account_id = accounts[0].id
            record.customer_code = views[0]["customer_code"]
    return views


def _account(session: Session, account_id: int, record: Record) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise AccountNotFound()
    record.customer_code = account.supply_point.customer_code
    return account


def temporary_password(account: Account) -> str:
    """A random password the policy accepts (for this account's personal data)."""
    while True:
        groups = ["".join(secrets.choice(_TEMP_ALPHABET) for _ in range(4)) for _ in range(4)]
        candidate = "-".join(groups)
        try:
            check_password_policy(
                candidate,
                personal=personal_words(account),
            )
        except WeakPassword:  # pragma: no cover - astronomically rare
            continue
        return candidate


def reset_password(session: Session, *, actor: Actor, account_id: int, channel: str) -> None:
    """Send a temporary password to the account's own e-mail or phone; the agent never sees it.

    Every session of the account ends, old reset links die, and the next login may only
    change the password (403 `password_change_required` with a scoped token pair).
    """
    record = Record(account_id=account_id, details={"channel": channel})
    with audited(session, actor=actor, action=audit.ACTION_PASSWORD_RESET, record=record):
        account = _account(session, account_id, record)
        password = temporary_password(account)
        account.password_hash = hash_password(password)
        account.password_change_required = True
        revoked = revoke_account_sessions(
            session, account_id=account.id, reason=REASON_PASSWORD_RESET
        )
        session.execute(
            update(PasswordResetToken)
            .where(
                PasswordResetToken.account_id == account.id, PasswordResetToken.used_at.is_(None)
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        record.details["sessions_revoked"] = revoked
        with language(account.language):
            subject = _("Your temporary eKesco password")
            text = _(
                "Your temporary eKesco password is %(password)s . Log in with it and choose a "
                "new password at once. If you did not ask KESCO for this, call customer support.",
                password=password,
            )
        queue_message(
            session,
            channel=channel,
            to=account.email if channel == "email" else account.phone,
            subject=subject if channel == "email" else None,
            body=text,
            kind="temporary_password",
            account_id=account.id,
        )


def _tell(session: Session, account: Account, *, channel: str, to: str, body: str) -> None:
    with language(account.language):
        subject = _("Your eKesco contact details were changed")
    queue_message(
        session,
        channel=channel,
        to=to,
        subject=subject if channel == "email" else None,
        body=body,
        kind="contact_changed",
        account_id=account.id,
    )


def _revoke_pending_codes(session: Session, account: Account, purpose: str) -> None:
    session.execute(
        update(VerificationCode)
        .where(
            VerificationCode.account_id == account.id,
            VerificationCode.purpose == purpose,
            VerificationCode.used_at.is_(None),
            VerificationCode.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def update_contact(
    session: Session,
    *,
    actor: Actor,
    account_id: int,
    email: str | None = None,
    phone: str | None = None,
) -> dict[str, Any]:
    """Correct an account's e-mail and/or phone at once (the agent checked who is calling).

    Both the old and the new address are told. A pending change the customer started in the
    app is dropped. 409 `email_taken` / `phone_taken` when another account holds the address.
    """
    record = Record(account_id=account_id)
    with audited(session, actor=actor, action=audit.ACTION_CONTACT_UPDATE, record=record):
        account = _account(session, account_id, record)
        changed: dict[str, Any] = {}
        if email is not None and email_key(email) != account.email_key:
            if profile_service.email_owner(session, email_key(email), other_than=account.id):
                raise EmailTaken()
            changed["email"] = {"from": account.email, "to": email}
        if phone is not None and phone != account.phone:
            if profile_service.phone_owner(session, phone, other_than=account.id):
                raise PhoneTaken()
            changed["phone"] = {"from": account.phone, "to": phone}
        record.details["changed"] = changed
        old_email, old_phone = account.email, account.phone
        # The new addresses are written first, in a SAVEPOINT of their own: another account
        # may take one between the check above and this write, and the unique constraint that
        # fires says which. A later autoflush would raise outside this `try`, and a failed
        # flush would leave `audited`'s own SAVEPOINT unusable.
        try:
            with session.begin_nested():
                if email is not None and "email" in changed:
                    account.email, account.email_key = email, email_key(email)
                    account.pending_email = None
                if phone is not None and "phone" in changed:
                    account.phone, account.pending_phone = phone, None
        except IntegrityError as error:
            raise _contact_taken(error, changed) from None
        if "email" in changed:
            _revoke_pending_codes(session, account, PURPOSE_EMAIL_CHANGE)
            with language(account.language):
                to_old = _(
                    "KESCO customer support changed the e-mail address of your eKesco account. "
                    "Messages now go to the new address. If you did not ask for this, call "
                    "customer support."
                )
                to_new = _(
                    "This is now the e-mail address of your eKesco account, as KESCO customer "
                    "support recorded it. Use it to log in."
                )
            _tell(session, account, channel="email", to=old_email, body=to_old)
            _tell(session, account, channel="email", to=account.email, body=to_new)
        if "phone" in changed:
            _revoke_pending_codes(session, account, PURPOSE_PHONE_CHANGE)
            with language(account.language):
                to_old = _(
                    "KESCO customer support changed the phone number of your eKesco account. "
                    "If you did not ask for this, call customer support."
                )
                to_new = _(
                    "This is now the phone number of your eKesco account, as KESCO customer "
                    "support recorded it."
                )
            _tell(session, account, channel="sms", to=old_phone, body=to_old)
            _tell(session, account, channel="sms", to=account.phone, body=to_new)
    return customer_view(session, account)


def _contact_taken(error: IntegrityError, changed: dict[str, Any]) -> EmailTaken | PhoneTaken:
    constraint = violated_unique(error)
    if constraint == "uq_accounts_phone":
        return PhoneTaken()
    if constraint == "uq_accounts_email_key":
        return EmailTaken()
    return EmailTaken() if "email" in changed else PhoneTaken()


def _remove_account_rows(session: Session, account_id: int) -> None:
    """Delete the account and what hangs off it (see `delete_accounts`); 409 if something
    the account still owns is guarded by a foreign key that says neither cascade nor set null."""
    try:
        delete_accounts(session, [account_id])
    except IntegrityError:
        raise RegistrationInUse() from None


def remove_registration(session: Session, *, actor: Actor, customer_code: str, reason: str) -> None:
    """Remove the account registered on a customer code, so that the holder can register."""
    record = Record(customer_code=customer_code, reason=reason)
    with audited(session, actor=actor, action=audit.ACTION_REGISTRATION_REMOVE, record=record):
        supply_point = session.scalar(
            select(SupplyPoint).where(SupplyPoint.code_key == identifier_key(customer_code))
        )
        account = (
            session.scalar(select(Account).where(Account.supply_point_id == supply_point.id))
            if supply_point is not None
            else None
        )
        if supply_point is None or account is None:
            raise RegistrationNotFound()
        record.customer_code = supply_point.customer_code
        record.account_id = account.id
        record.details = {
            "email": account.email,
            "phone": account.phone,
            "status": account.status,
            "registered_at": account.created_at.isoformat(),
        }
        account_id = account.id
        session.expunge(account)
        _remove_account_rows(session, account_id)


# --- the audit log -------------------------------------------------------------------------


def audit_log_query(
    *,
    staff_id: int | None = None,
    account_id: int | None = None,
    action: str | None = None,
    outcome: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Select[Any]:
    """Entries matching every given filter, newest first."""
    statement = select(AuditEntry)
    if staff_id is not None:
        statement = statement.where(AuditEntry.staff_id == staff_id)
    if account_id is not None:
        statement = statement.where(AuditEntry.account_id == account_id)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    if outcome is not None:
        statement = statement.where(AuditEntry.outcome == outcome)
    if since is not None:
        statement = statement.where(AuditEntry.created_at >= since)
    if until is not None:
        statement = statement.where(AuditEntry.created_at < until)
    return statement.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
