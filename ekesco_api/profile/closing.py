"""Closing an account: the customer's own DELETE /me and support's removal of a registration.

Both take the same path (`close_account`): the account and what hangs off it go (contact data,
sessions, devices, inbox, subscriptions, codes, meters added), and what the supplier must keep
stays without the link and without the person's addresses (payments and their callbacks, the
message log, the staff audit trail; see `accounts.removal`). The customer code is free to
register again as soon as the transaction commits. Every token of the account stops working on
its next request, because its session family is gone (`auth.sessions.is_token_revoked`).

The old e-mail address is told, in the account's language: the last message it gets from us.
The message is queued after the account's own messages were given up and with no account link,
so the removal neither unlinks nor erases it; it goes out once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import STATUS_ACTIVE, Account
from ekesco_api.accounts.removal import delete_accounts
from ekesco_api.auth.errors import InvalidCredentials
from ekesco_api.auth.service import release_transaction
from ekesco_api.i18n import _, language
from ekesco_api.notifications.service import queue_message
from ekesco_api.passwords import verify_password
from ekesco_api.profile.service import get_account
from ekesco_api.security.errors import TokenRevoked

KIND_DELETED = "account_deleted"
KIND_REMOVED = "registration_removed"


@dataclass(frozen=True, slots=True)
class Closed:
    """What remains to be said of an account once it is gone (for the audit entry)."""

    account_id: int
    customer_code: str
    status: str
    registered_at: dt.datetime


def close_account(session: Session, *, account: Account, by_support: bool) -> Closed:
    """Delete `account` and tell its old e-mail address; the caller commits.

    The caller holds the account row locked (or removes it in a transaction of its own). A
    registration never confirmed gets no e-mail: its address was never shown to be its owner's.
    """
    closed = Closed(
        account_id=account.id,
        customer_code=account.supply_point.customer_code,
        status=account.status,
        registered_at=account.created_at,
    )
    farewell = (
        _farewell(account, by_support=by_support) if account.status == STATUS_ACTIVE else None
    )
    session.expunge(account)
    delete_accounts(session, [closed.account_id])
    if farewell is not None:
        to, subject, body = farewell
        queue_message(
            session,
            channel="email",
            to=to,
            subject=subject,
            body=body,
            kind=KIND_REMOVED if by_support else KIND_DELETED,
        )
    return closed


def _farewell(account: Account, *, by_support: bool) -> tuple[str, str, str]:
    code = account.supply_point.customer_code
    with language(account.language):
        if by_support:
            subject = _("Your eKesco registration was removed")
            body = _(
                "Hello %(name)s,\n\nKESCO customer support removed your eKesco registration on "
                "customer code %(code)s, at the request of the holder of that code. You can no "
                "longer log in with it, and your contact data and app data have been deleted.\n\n"
                "If you did not expect this, contact KESCO customer support.",
                name=account.first_name,
                code=code,
            )
        else:
            subject = _("Your eKesco account was deleted")
            body = _(
                "Hello %(name)s,\n\nAs you asked, your eKesco account on customer code %(code)s "
                "was deleted, with your contact data and app data. You will get no more messages "
                "from eKesco. What the law makes KESCO keep (payments, for instance) is kept "
                "without your contact data.\n\nYou can register again at any time. If you did "
                "not ask for this, contact KESCO customer support.",
                name=account.first_name,
                code=code,
            )
    return account.email, str(subject), str(body)


def delete_own_account(session: Session, *, account_id: int, password: str) -> None:
    """DELETE /me: close the caller's account once its password is confirmed (401 otherwise)."""
    account = get_account(session, account_id=account_id)
    password_hash = account.password_hash
    release_transaction(session)  # no lock held while hashing (see auth.service.login)
    if not verify_password(password_hash, password):
        raise InvalidCredentials()
    # Locked from here to the commit: a second request deleting the same account waits, then
    # finds it gone and answers as a session that has ended.
    locked = session.scalar(
        select(Account)
        .where(Account.id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise TokenRevoked()
    close_account(session, account=locked, by_support=False)
    session.commit()
