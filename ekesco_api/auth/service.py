"""Login, token refresh, logout and password reset: each use case commits its own transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import STATUS_ACTIVE, Account
from ekesco_api.auth.errors import AccountNotVerified, InvalidCredentials, ResetTokenInvalid
from ekesco_api.auth.models import (
    KIND_CUSTOMER,
    REASON_LOGOUT,
    REASON_PASSWORD_RESET,
    REASON_REFRESH_REUSE,
    PasswordResetToken,
    RefreshToken,
    SessionFamily,
)
from ekesco_api.auth.sessions import revoke_account_sessions, revoke_family
from ekesco_api.auth.tokens import TokenPair, new_refresh_token, start_session, token_pair
from ekesco_api.i18n import _, language
from ekesco_api.keys import email_key
from ekesco_api.notifications.service import queue_message
from ekesco_api.passwords import (
    DUMMY_HASH,
    WeakPassword,
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from ekesco_api.phones import parse_kosovo_mobile
from ekesco_api.security.errors import PasswordChangeRequired, TokenExpired, TokenRevoked
from ekesco_api.security.guards import SCOPE_FULL, SCOPE_PASSWORD_CHANGE
from ekesco_api.types import utcnow

log = logging.getLogger(__name__)

_ACCOUNTS = cast(Table, Account.__table__)
_REFRESH_TOKENS = cast(Table, RefreshToken.__table__)


def username_key(username: str) -> tuple[str, str]:
    """("phone", E.164) when the username reads as a Kosovo mobile, else ("email", its key)."""
    try:
        return "phone", parse_kosovo_mobile(username)
    except ValueError:
        return "email", email_key(username)


def release_transaction(session: Session) -> None:
    """End the current (read-only so far) transaction; loaded objects stay loaded."""
    session.commit()  # expire_on_commit is off: nothing is reloaded afterwards


def _credentials(session: Session, username: str) -> Any:
    # Only the columns login needs, straight from the table: this runs on every login, and
    # loading a whole ORM entity costs more than the query.
    kind, key = username_key(username)
    column = _ACCOUNTS.c.phone if kind == "phone" else _ACCOUNTS.c.email_key
    return session.execute(
        select(
            _ACCOUNTS.c.id,
            _ACCOUNTS.c.password_hash,
            _ACCOUNTS.c.status,
            _ACCOUNTS.c.password_change_required,
        ).where(column == key)
    ).first()


def login(
    session: Session, *, username: str, password: str, user_agent: str | None = None
) -> TokenPair:
    """A token pair for the right password; the same 401 for an unknown user or a wrong one.

    `user_agent` (the client's User-Agent) is kept with the session for the customer to see.
    """
    account = _credentials(session, username)
    # End the read before the slow hash: on SQLite every transaction holds the writer lock
    # (BEGIN IMMEDIATE), so keeping it through argon2 would make logins on all workers take
    # turns; on PostgreSQL it spares a connection idling in a transaction.
    release_transaction(session)
    if account is None:
        # Spend the same argon2 time as for a real account, so timing tells nobody who exists.
        verify_password(DUMMY_HASH, password)
        raise InvalidCredentials()
    if not verify_password(account.password_hash, password):
        raise InvalidCredentials()
    if needs_rehash(account.password_hash):
        # The only moment we hold the plain password: upgrade hashes made with older parameters
        # (unless the password changed meanwhile: then the new hash stands).
        session.execute(
            update(_ACCOUNTS)
            .where(_ACCOUNTS.c.id == account.id, _ACCOUNTS.c.password_hash == account.password_hash)
            .values(password_hash=hash_password(password))
        )
    if account.status != STATUS_ACTIVE:
        session.commit()
        raise AccountNotVerified()
    scope = SCOPE_PASSWORD_CHANGE if account.password_change_required else SCOPE_FULL
    pair = start_session(
        session, kind=KIND_CUSTOMER, subject_id=account.id, scope=scope, user_agent=user_agent
    )
    session.commit()
    if account.password_change_required:
        # The 403 carries a pair good only for PUT /me/password (contract: after a support reset).
        raise PasswordChangeRequired(extra=dict(pair))
    return pair


def _of_family(column: Any) -> Any:
    return select(column).where(SessionFamily.id == RefreshToken.family_id).scalar_subquery()


# One statement uses the token up, checks that its session is live, and reads what the new pair
# carries: the family's subject and kind, and its scope (a password change widens it) and role.
# Subqueries rather than UPDATE ... FROM: SQLite's RETURNING cannot name a joined table. The
# parameters are not named after columns: Core would take those for SET values too.
_USE_REFRESH_TOKEN = (
    update(RefreshToken)
    .where(
        RefreshToken.jti == bindparam("token_jti"),
        RefreshToken.family_id == bindparam("token_family"),
        RefreshToken.used_at.is_(None),
        RefreshToken.expires_at > bindparam("at"),
        select(SessionFamily.id)
        .where(SessionFamily.id == RefreshToken.family_id, SessionFamily.revoked_at.is_(None))
        .exists(),
    )
    .values(used_at=bindparam("at"))
    .returning(
        _of_family(SessionFamily.kind).label("kind"),
        _of_family(SessionFamily.account_id).label("account_id"),
        _of_family(SessionFamily.staff_id).label("staff_id"),
        _of_family(SessionFamily.scope).label("scope"),
        _of_family(SessionFamily.role).label("role"),
    )
)


# On PostgreSQL the new refresh token goes in with the same statement, an INSERT in its WITH
# clause fed by the UPDATE's row (so only when the old one was used up): a statement and a round
# trip fewer. SQLite takes no INSERT or UPDATE inside WITH, so there it is a second statement.
_USED = _USE_REFRESH_TOKEN.cte("used")
_USE_AND_REPLACE_REFRESH_TOKEN = select(_USED).add_cte(
    insert(_REFRESH_TOKENS)
    .from_select(
        ["jti", "family_id", "created_at", "expires_at"],
        select(
            *(
                bindparam(f"new_{name}", type_=_REFRESH_TOKENS.c[name].type)
                for name in ("jti", "family_id", "created_at", "expires_at")
            )
        ).select_from(_USED),
    )
    .cte("issued")
)


def refresh_session(session: Session, *, claims: dict[str, Any]) -> TokenPair:
    """Rotate a refresh token: use it up and hand out a new pair in the same family.

    The token is marked used by one conditional UPDATE, so of two requests racing with the same
    token exactly one changes the row. A token presented again after its use means a copy is in
    someone else's hands: the whole family is revoked (RFC 6819 §5.2.2.3, OAuth 2.0 Security
    BCP), which also ends the access tokens both holders have. The same UPDATE refuses a token
    whose session was ended (so the route's guard need not look the family up first).
    """
    jti, family_id = claims.get("jti"), claims.get("fam")
    now = utcnow()
    params = {"token_jti": jti, "token_family": family_id, "at": now}
    replacement = new_refresh_token(str(family_id))
    connection = session.connection()
    in_one_statement = connection.dialect.name == "postgresql"
    if in_one_statement:
        params.update({f"new_{name}": value for name, value in replacement.items()})
        family = connection.execute(_USE_AND_REPLACE_REFRESH_TOKEN, params).first()
    else:
        family = connection.execute(_USE_REFRESH_TOKEN, params).first()
    if family is None:
        row = session.execute(
            select(RefreshToken.used_at, SessionFamily.revoked_at)
            .join(SessionFamily, SessionFamily.id == RefreshToken.family_id)
            .where(RefreshToken.jti == jti, RefreshToken.family_id == family_id)
        ).first()
        if row is None or row.revoked_at is not None:
            raise TokenRevoked()
        if row.used_at is None:
            raise TokenExpired()
        if isinstance(family_id, str) and revoke_family(
            session, family_id=family_id, reason=REASON_REFRESH_REUSE
        ):
            log.warning("refresh token reused; session family %s revoked", family_id)
        session.commit()
        raise TokenRevoked()
    if not in_one_statement:
        connection.execute(insert(_REFRESH_TOKENS), replacement)
    pair = token_pair(
        replacement,
        kind=family.kind,
        subject_id=family.account_id if family.kind == KIND_CUSTOMER else family.staff_id,
        scope=family.scope,
        role=family.role,
    )
    session.commit()
    return pair


def logout(session: Session, *, claims: dict[str, Any]) -> None:
    """End the session the token belongs to: its refresh and access tokens stop working now."""
    family_id = claims.get("fam")
    if isinstance(family_id, str):
        revoke_family(session, family_id=family_id, reason=REASON_LOGOUT)
    session.commit()


def _token_digest(token: str) -> str:
    # SHA-256, not a slow password hash: the token is 256 random bits, so nobody can guess it
    # from the digest however fast they hash; slowness protects only guessable secrets. A fast,
    # unsalted digest also lets us find the row by an indexed equality lookup.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def reset_link(token: str) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/reset-password?token={token}"


def retire_reset_links(session: Session, *, account_id: int, at: dt.datetime | None = None) -> None:
    """Mark every unused reset link of the account used, so none of them works any more."""
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.account_id == account_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=at or utcnow())
        .execution_options(synchronize_session=False)
    )


def request_password_reset(session: Session, *, email: str) -> None:
    """E-mail a single-use reset link to the account with this address, if there is one.

    The caller answers 202 either way, so nobody learns which addresses have accounts.
    """
    token = secrets.token_urlsafe(32)  # 256 bits
    digest = _token_digest(token)
    account = session.scalar(select(Account).where(Account.email_key == email_key(email)))
    if account is None:
        return
    if session.get_bind().dialect.name == "postgresql":
        # Do not wait for the WAL flush, the largest cost an unknown address does not have
        # (milliseconds, a timing tell). A crash in the next fraction of a second may lose
        # the request; the customer asks again.
        session.execute(text("SET LOCAL synchronous_commit = off"))
    now = utcnow()
    ttl = current_app.config["PASSWORD_RESET_TOKEN_EXPIRES"]
    # Only the newest link works: an older one still lying in a mailbox is worthless.
    retire_reset_links(session, account_id=account.id, at=now)
    session.add(
        PasswordResetToken(
            account_id=account.id, token_hash=digest, created_at=now, expires_at=now + ttl
        )
    )
    minutes = int(ttl.total_seconds() // 60)
    with language(account.language):
        subject = _("Reset your eKesco password")
        body = _(
            "Hello %(name)s,\n\nSomeone, hopefully you, asked to reset the password of your "
            "eKesco account. Open this link within %(minutes)s minutes to choose a new one:\n\n"
            "%(link)s\n\nIf it was not you, ignore this e-mail: your password stays as it is.",
            name=account.first_name,
            minutes=minutes,
            link=reset_link(token),
        )
    _email(
        session,
        account,
        "password_reset",
        subject,
        body,
        # Sent by the worker, not in this request: the time to send would tell an unknown
        # address from a registered one.
        send_after_commit=False,
        secret=True,  # the link: the worker removes it from the outbox once it went out
    )
    session.commit()


def personal_words(account: Account) -> list[str]:
    """What a password must not be built from (see passwords.check_password_policy)."""
    return [account.first_name, account.last_name, account.email, account.phone]


def check_new_password(account: Account, password: str, *, field: str) -> None:
    """The policy check, with the failure reported on the request's own field name."""
    try:
        check_password_policy(password, personal=personal_words(account))
    except WeakPassword as error:
        raise WeakPassword(error.detail or error.title, field=field) from None


def notify_password_changed(session: Session, *, account: Account) -> None:
    """Tell the customer by e-mail, so a change they did not make does not go unnoticed."""
    with language(account.language):
        subject = _("Your eKesco password was changed")
        body = _(
            "Hello %(name)s,\n\nThe password of your eKesco account was just changed, and your "
            "other sessions were logged out.\n\nIf you did not do this, reset your password at "
            "once or contact KESCO customer support.",
            name=account.first_name,
        )
    _email(session, account, "password_changed", subject, body)


def _email(
    session: Session, account: Account, kind: str, subject: str, body: str, **options: Any
) -> None:
    queue_message(
        session,
        channel="email",
        to=account.email,
        subject=subject,
        body=body,
        kind=kind,
        account_id=account.id,
        **options,
    )


def reset_password(session: Session, *, token: str, new_password: str) -> None:
    """Set a new password with a reset link's token; every session of the account ends."""
    digest = _token_digest(token)
    now = utcnow()
    reset = session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == digest)
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise ResetTokenInvalid()
    account = session.get(Account, reset.account_id)
    if account is None:
        raise ResetTokenInvalid()
    release_transaction(session)  # no lock held while hashing (see login)
    # Policy first: a too-weak password must not burn the link.
    check_new_password(account, new_password, field="new_password")
    password_hash = hash_password(new_password)
    claimed = session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == reset.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise ResetTokenInvalid()  # another request used it a moment ago
    account.password_hash = password_hash
    account.password_change_required = False
    revoke_account_sessions(session, account_id=account.id, reason=REASON_PASSWORD_RESET)
    notify_password_changed(session, account=account)
    session.commit()
