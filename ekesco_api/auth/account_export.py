"""The account's sessions and password-reset links in its data export: when, from what, how
they ended. Never a token: the export must not be a way back in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ekesco_api.accounts.export import ExportContext, records, section
from ekesco_api.auth.models import PasswordResetToken, RefreshToken, SessionFamily

# A session was last used when it last handed out a refresh token (a login or a refresh).
_LAST_USED = (
    select(func.max(RefreshToken.created_at))
    .where(RefreshToken.family_id == SessionFamily.id)
    .correlate(SessionFamily)
    .scalar_subquery()
)


@section("sessions", order=80)
def sessions(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    return records(
        session,
        select(
            SessionFamily.created_at.label("started_at"),
            _LAST_USED.label("last_used_at"),
            SessionFamily.revoked_at.label("ended_at"),
            SessionFamily.revoked_reason.label("ended_because"),
            SessionFamily.user_agent,
            SessionFamily.scope,
        )
        .where(SessionFamily.account_id == context.account_id)
        .order_by(SessionFamily.created_at.desc()),
    )


@section("password_reset_links", order=81)
def password_reset_links(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    return records(
        session,
        select(
            PasswordResetToken.created_at, PasswordResetToken.expires_at, PasswordResetToken.used_at
        )
        .where(PasswordResetToken.account_id == context.account_id)
        .order_by(PasswordResetToken.id.desc()),
    )
