"""Support's actions on an account: a temporary password, a contact fix, removing a registration.

Each is audited (`staff.audit.audited`) and commits its work with its audit entry.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.auth import service as auth_service
from ekesco_api.auth.models import REASON_PASSWORD_RESET
from ekesco_api.auth.sessions import revoke_account_sessions
from ekesco_api.i18n import _, _l, language
from ekesco_api.integrity import violated_unique
from ekesco_api.keys import email_key, identifier_key
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.notifications.service import queue_message
from ekesco_api.passwords import WeakPassword, check_password_policy, hash_password
from ekesco_api.profile import closing
from ekesco_api.profile import service as profile_service
from ekesco_api.registration import codes
from ekesco_api.registration.errors import EmailTaken, PhoneTaken
from ekesco_api.registration.models import PURPOSE_EMAIL_CHANGE, PURPOSE_PHONE_CHANGE
from ekesco_api.staff import audit
from ekesco_api.staff.audit import Actor, Record, audited
from ekesco_api.staff.customer_lookup import customer_view
from ekesco_api.staff.errors import AccountNotFound, RegistrationInUse, RegistrationNotFound

# Temporary passwords: 4 groups of 4 from 31 letters and digits (no 0/o, 1/l/i), ~79 bits.
# Groups of 4 never make the 6-digit run that clients read as a verification code.
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

# A corrected address: its channel, the pending codes it revokes, and what the old and the new
# address are told.
_CONTACT_NOTICES = {
    "email": (
        "email",
        PURPOSE_EMAIL_CHANGE,
        _l(
            "KESCO customer support changed the e-mail address of your eKesco account. "
            "Messages now go to the new address. If you did not ask for this, call "
            "customer support."
        ),
        _l(
            "This is now the e-mail address of your eKesco account, as KESCO customer "
            "support recorded it. Use it to log in."
        ),
    ),
    "phone": (
        "sms",
        PURPOSE_PHONE_CHANGE,
        _l(
            "KESCO customer support changed the phone number of your eKesco account. "
            "If you did not ask for this, call customer support."
        ),
        _l(
            "This is now the phone number of your eKesco account, as KESCO customer "
            "support recorded it."
        ),
    ),
}


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
                personal=auth_service.personal_words(account),
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
        auth_service.retire_reset_links(session, account_id=account.id)
        record.details["sessions_revoked"] = revoked
        with language(account.language):
            subject = _("Your temporary eKesco password")
            text = _(
                "Your temporary eKesco password is %(password)s . Log in with it and choose a "
                "new password at once. If you did not ask KESCO for this, call customer support.",
                password=password,
            )
        to = account.email if channel == "email" else account.phone
        _tell(session, account, channel, to, "temporary_password", subject, text)


def _tell(
    session: Session, account: Account, channel: str, to: str, kind: str, subject: str, body: str
) -> None:
    queue_message(
        session,
        channel=channel,
        to=to,
        subject=subject if channel == "email" else None,
        body=body,
        kind=kind,
        account_id=account.id,
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
        record.details["changed"] = {
            field: {end: audit.personal(field, address) for end, address in ends.items()}
            for field, ends in changed.items()
        }
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
        for field, (channel, purpose, to_old, to_new) in _CONTACT_NOTICES.items():
            if field not in changed:
                continue
            codes.revoke_codes(session, account=account, purpose=purpose)
            with language(account.language):
                subject = _("Your eKesco contact details were changed")
                told = [(changed[field]["from"], str(to_old)), (changed[field]["to"], str(to_new))]
            for to, body in told:
                _tell(session, account, channel, to, "contact_changed", subject, body)
    return customer_view(session, account)


def _contact_taken(error: IntegrityError, changed: dict[str, Any]) -> EmailTaken | PhoneTaken:
    constraint = violated_unique(error)
    if constraint == "uq_accounts_phone":
        return PhoneTaken()
    if constraint == "uq_accounts_email_key":
        return EmailTaken()
    return EmailTaken() if "email" in changed else PhoneTaken()


def remove_registration(session: Session, *, actor: Actor, customer_code: str, reason: str) -> None:
    """Remove the account registered on a customer code, so that the holder can register.

    The same path as the customer's own DELETE /me (`profile.closing.close_account`): the
    account goes, the records the supplier keeps stay without its contact data, and a
    confirmed registration's e-mail address is told. The audit entry names the account and the
    code, not the person's addresses. 409 if something the account still owns is guarded by a
    foreign key that says neither cascade nor set null.
    """
    record = Record(customer_code=customer_code, reason=reason)
    with audited(session, actor=actor, action=audit.ACTION_REGISTRATION_REMOVE, record=record):
        supply_point = session.scalar(
            select(SupplyPoint).where(SupplyPoint.code_key == identifier_key(customer_code))
        )
        account = (
            session.scalar(
                select(Account).where(Account.supply_point_id == supply_point.id).with_for_update()
            )
            if supply_point is not None
            else None
        )
        if supply_point is None or account is None:
            raise RegistrationNotFound()
        record.customer_code = supply_point.customer_code
        record.account_id = account.id
        try:
            closed = closing.close_account(session, account=account, by_support=True)
        except IntegrityError:
            raise RegistrationInUse() from None
        record.details = {
            "status": closed.status,
            "registered_at": closed.registered_at.isoformat(),
        }
