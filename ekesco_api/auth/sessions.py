"""Session families: the revocation check every authenticated request makes, and revoking."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ekesco_api.auth.models import SessionFamily
from ekesco_api.extensions import db
from ekesco_api.types import utcnow

_FAMILY_REVOKED_AT = select(SessionFamily.revoked_at).where(
    SessionFamily.id == bindparam("family_id")
)

# The same check as a column of a GET's own statement, for the guard that leaves it there
# (`security.guards.confirm_session`): true while the family the "session_family" parameter
# names is live. Uncorrelated, so PostgreSQL looks it up once, not per row.
LIVE_SESSION = (
    select(SessionFamily.id)
    .where(SessionFamily.id == bindparam("session_family"), SessionFamily.revoked_at.is_(None))
    .exists()
    .label("session_live")
)


def is_token_revoked(payload: dict[str, Any]) -> bool:
    """True when the token's family is gone or revoked; one primary-key lookup, no ORM object.

    Runs on every request that carries a token, so it reads one column and never loads an
    entity (which the identity map could also serve stale within a long session).
    """
    family_id = payload.get("fam")
    if not isinstance(family_id, str):
        return True  # not a token we issued: every one of ours names its family
    # Through the session's connection, not `Session.execute`: a plain Core statement skips
    # the ORM's per-statement bookkeeping, a third of this check's time.
    row = db.session.connection().execute(_FAMILY_REVOKED_AT, {"family_id": family_id}).first()
    return row is None or row.revoked_at is not None


def revoke_family(session: Session, *, family_id: str, reason: str) -> bool:
    """Revoke one family (idempotent); True if this call revoked it. The caller commits."""
    result = session.execute(
        update(SessionFamily)
        .where(SessionFamily.id == family_id, SessionFamily.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def revoke_account_sessions(
    session: Session, *, account_id: int, reason: str, keep_family_id: str | None = None
) -> int:
    """Revoke every live family of a customer account, but perhaps the caller's own."""
    statement = update(SessionFamily).where(
        SessionFamily.account_id == account_id, SessionFamily.revoked_at.is_(None)
    )
    if keep_family_id is not None:
        statement = statement.where(SessionFamily.id != keep_family_id)
    result = session.execute(
        statement.values(revoked_at=utcnow(), revoked_reason=reason).execution_options(
            synchronize_session=False
        )
    )
    return int(getattr(result, "rowcount", 0))
