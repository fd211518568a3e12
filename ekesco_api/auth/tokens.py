"""Token pairs: short-lived access JWTs and single-use refresh JWTs, both bound to a session family.

`issue_token_pair` starts a customer session; `start_session` is the same for any kind of
subject (a staff login passes kind="staff" and its role). Nothing here commits: the caller's use
case does, so the family and its first refresh token land with whatever else it changed.
"""

from __future__ import annotations

from typing import Any, TypedDict, cast

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.auth.models import KIND_CUSTOMER, KIND_STAFF, RefreshToken, SessionFamily, new_id
from ekesco_api.security.guards import SCOPE_FULL
from ekesco_api.types import utcnow

# Plain table INSERTs rather than ORM objects and the unit of work: every login and refresh
# runs them, and the ORM's bookkeeping would cost more CPU than the statements themselves.
_FAMILIES = cast(Table, SessionFamily.__table__)
_REFRESH_TOKENS = cast(Table, RefreshToken.__table__)
USER_AGENT_LENGTH = 200


class TokenPair(TypedDict):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


def issue_token_pair(
    session: Session, *, account: Account, scope: str = SCOPE_FULL, user_agent: str | None = None
) -> TokenPair:
    """Start a new session family for a customer and hand out its first token pair."""
    if account.id is None:
        session.flush()
    return start_session(
        session, kind=KIND_CUSTOMER, subject_id=account.id, scope=scope, user_agent=user_agent
    )


def start_session(
    session: Session,
    *,
    kind: str,
    subject_id: int,
    scope: str = SCOPE_FULL,
    role: str | None = None,
    user_agent: str | None = None,
) -> TokenPair:
    """Start a session family for any subject (customer account or staff member).

    `user_agent` is kept as the client sent it, cut to the column's length.
    """
    if kind not in (KIND_CUSTOMER, KIND_STAFF):
        raise ValueError(f"unknown session kind {kind!r}")
    family_id = new_id()
    session.execute(
        insert(_FAMILIES),
        {
            "id": family_id,
            "kind": kind,
            "account_id": subject_id if kind == KIND_CUSTOMER else None,
            "staff_id": subject_id if kind == KIND_STAFF else None,
            "role": role,
            "scope": scope,
            "created_at": utcnow(),
            "revoked_at": None,
            "revoked_reason": None,
            "user_agent": user_agent[:USER_AGENT_LENGTH] if user_agent else None,
        },
    )
    return issue_pair_in_family(
        session, family_id=family_id, kind=kind, subject_id=subject_id, scope=scope, role=role
    )


def issue_pair_in_family(
    session: Session, *, family_id: str, kind: str, subject_id: int, scope: str, role: str | None
) -> TokenPair:
    """A fresh access token and a fresh stored refresh token inside an existing family."""
    refresh_row = new_refresh_token(family_id)
    session.connection().execute(insert(_REFRESH_TOKENS), refresh_row)
    return token_pair(refresh_row, kind=kind, subject_id=subject_id, scope=scope, role=role)


def new_refresh_token(family_id: str) -> dict[str, Any]:
    """The row of a new refresh token of the family, for the caller to store."""
    now = utcnow()
    return {
        "jti": new_id(),
        "family_id": family_id,
        "created_at": now,
        "expires_at": now + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"],
        "used_at": None,
    }


def token_pair(
    refresh_row: dict[str, Any], *, kind: str, subject_id: int, scope: str, role: str | None
) -> TokenPair:
    """The access token and the refresh token of `refresh_row` (`new_refresh_token`), signed."""
    access_ttl = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    family_id = refresh_row["family_id"]
    identity = str(subject_id)
    claims: dict[str, Any] = {"kind": kind, "fam": family_id, "scope": scope}
    if role is not None:
        claims["role"] = role
    access = create_access_token(
        identity=identity, additional_claims=claims, expires_delta=access_ttl
    )
    refresh = create_refresh_token(
        identity=identity,
        # Our own jti overrides the library's, so the claim names the row we stored.
        additional_claims={"jti": refresh_row["jti"], "kind": kind, "fam": family_id},
        expires_delta=current_app.config["JWT_REFRESH_TOKEN_EXPIRES"],
    )
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": int(access_ttl.total_seconds()),
    }
