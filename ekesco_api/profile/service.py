"""The customer's own account: profile, confirmed changes of e-mail and phone, password."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.auth.errors import InvalidCredentials
from ekesco_api.auth.models import REASON_PASSWORD_CHANGED, SessionFamily
from ekesco_api.auth.service import (
    check_new_password,
    notify_password_changed,
    release_transaction,
)
from ekesco_api.auth.sessions import revoke_account_sessions
from ekesco_api.db import after_rollback
from ekesco_api.errors import WeakPassword
from ekesco_api.i18n import _, _l, language
from ekesco_api.keys import email_key
from ekesco_api.notifications.service import queue_message
from ekesco_api.passwords import hash_password, verify_password
from ekesco_api.profile.errors import CodeInvalid, EmailTaken, PhoneTaken
from ekesco_api.registration import codes
from ekesco_api.registration.models import (
    CHANNEL_EMAIL,
    CHANNEL_SMS,
    PURPOSE_EMAIL_CHANGE,
    PURPOSE_PHONE_CHANGE,
)
from ekesco_api.security.errors import TokenRevoked
from ekesco_api.security.guards import SCOPE_FULL


def get_account(session: Session, *, account_id: int) -> Account:
    """The account behind a token; gone (support removed it) reads as an ended session."""
    account = session.get(Account, account_id)
    if account is None:
        raise TokenRevoked()
    return account


def email_owner(session: Session, key: str, *, other_than: int) -> int | None:
    """The id of another account that has this e-mail (by its key), if any."""
    return session.scalar(
        select(Account.id).where(Account.email_key == key, Account.id != other_than)
    )


def phone_owner(session: Session, phone: str, *, other_than: int) -> int | None:
    """The id of another account that has this phone (E.164), if any."""
    return session.scalar(
        select(Account.id).where(Account.phone == phone, Account.id != other_than)
    )


def update_profile(
    session: Session,
    *,
    account: Account,
    email: str | None = None,
    phone: str | None = None,
    language: str | None = None,
    id_card_expiry: dt.date | None = None,
) -> Account:
    """Apply language and card expiry at once; park a new e-mail or phone until its code.

    A new address is checked against the other accounts first (409), then gets a code of its
    own: SMS for a phone, e-mail for an e-mail. Giving back the current address cancels the
    pending change. Everything is checked before anything changes.
    """
    # Lock the account row first, so that parallel changes cannot each pass the code's resend
    # cooldown (PostgreSQL; SQLite's write lock already serialises them).
    session.execute(select(Account.id).where(Account.id == account.id).with_for_update())
    cancel_email = cancel_phone = False
    if email is not None:
        if email_key(email) == account.email_key:
            email, cancel_email = None, True
        elif email_owner(session, email_key(email), other_than=account.id) is not None:
            raise EmailTaken()
    if phone is not None:
        if phone == account.phone:
            phone, cancel_phone = None, True
        elif phone_owner(session, phone, other_than=account.id) is not None:
            raise PhoneTaken()
    # Codes before any change: a refused one (429 resend_too_soon) leaves the account as it was.
    if email is not None:
        codes.issue_code(
            session,
            account=account,
            purpose=PURPOSE_EMAIL_CHANGE,
            channel=CHANNEL_EMAIL,
            destination=email,
        )
    if phone is not None:
        codes.issue_code(
            session,
            account=account,
            purpose=PURPOSE_PHONE_CHANGE,
            channel=CHANNEL_SMS,
            destination=phone,
        )
    if email is not None or cancel_email:
        account.pending_email = email
    if phone is not None or cancel_phone:
        account.pending_phone = phone
    if language is not None:
        account.language = language
    if id_card_expiry is not None:
        account.id_card_expiry = id_card_expiry
    session.commit()
    return account


def _mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def confirm_email_change(session: Session, *, account: Account, code: str) -> Account:
    """Make the pending e-mail the account's, once the code sent to it is confirmed."""
    new = account.pending_email
    if new is None:
        raise CodeInvalid()  # nothing waits for a code
    verification = codes.check_code(
        session, account=account, purpose=PURPOSE_EMAIL_CHANGE, code=code
    )
    if verification.destination != new:
        raise CodeInvalid()
    key = email_key(new)
    if email_owner(session, key, other_than=account.id) is not None:
        # Someone took it while the code was on its way: the change is off, the code spent.
        account.pending_email = None
        session.commit()
        raise EmailTaken()
    old = account.email
    account.email, account.email_key, account.pending_email = new, key, None
    with language(account.language):
        subject = _("Your eKesco e-mail address was changed")
        body = _(
            "Hello %(name)s,\n\nThe e-mail address of your eKesco account was changed to "
            "%(address)s. Our messages go there from now on.\n\nIf you did not do this, contact "
            "KESCO customer support at once.",
            name=account.first_name,
            address=_mask_email(new),
        )
    # To the old address: the one that can tell us if the change was not the holder's.
    queue_message(
        session,
        channel=CHANNEL_EMAIL,
        to=old,
        subject=subject,
        body=body,
        kind="email_changed",
        account_id=account.id,
    )
    _commit_unique(session, EmailTaken)
    return account


def confirm_phone_change(session: Session, *, account: Account, code: str) -> Account:
    """Make the pending phone the account's, once the SMS code is confirmed."""
    new = account.pending_phone
    if new is None:
        raise CodeInvalid()
    verification = codes.check_code(
        session, account=account, purpose=PURPOSE_PHONE_CHANGE, code=code
    )
    if verification.destination != new:
        raise CodeInvalid()
    if phone_owner(session, new, other_than=account.id) is not None:
        account.pending_phone = None
        session.commit()
        raise PhoneTaken()
    old = account.phone
    account.phone, account.pending_phone = new, None
    with language(account.language):
        # Only the last digits: a code is the only 6-digit run an SMS of ours may carry.
        body = _(
            "eKesco: the phone number of your account was changed to one ending in "
            "%(last_digits)s. If you did not do this, contact KESCO customer support at once.",
            last_digits=new[-3:],
        )
    queue_message(
        session, channel=CHANNEL_SMS, to=old, body=body, kind="phone_changed", account_id=account.id
    )
    _commit_unique(session, PhoneTaken)
    return account


def _commit_unique(session: Session, error: type[EmailTaken] | type[PhoneTaken]) -> None:
    # The unique index is the last word when two accounts confirm the same address at once.
    try:
        session.commit()
    except IntegrityError:
        raise after_rollback(session, error()) from None


SAME_PASSWORD = _l("Choose a password different from the current one.")


def change_password(
    session: Session,
    *,
    account: Account,
    family_id: str | None,
    current_password: str,
    new_password: str,
) -> None:
    """Replace the password; every other session ends, this one goes on with full scope.

    After a support reset the caller's session is scoped to this change only; it becomes a
    full one, so the next `POST /auth/refresh` hands out an ordinary pair.
    """
    release_transaction(session)  # no lock held while hashing (see auth.service.login)
    if not verify_password(account.password_hash, current_password):
        raise InvalidCredentials()
    if verify_password(account.password_hash, new_password):
        raise WeakPassword(SAME_PASSWORD, field="new_password")
    check_new_password(account, new_password, field="new_password")
    account.password_hash = hash_password(new_password)
    account.password_change_required = False
    revoke_account_sessions(
        session, account_id=account.id, reason=REASON_PASSWORD_CHANGED, keep_family_id=family_id
    )
    if family_id is not None:
        session.execute(
            update(SessionFamily)
            .where(SessionFamily.id == family_id, SessionFamily.account_id == account.id)
            .values(scope=SCOPE_FULL)
            .execution_options(synchronize_session=False)
        )
    notify_password_changed(session, account=account)
    session.commit()
