"""The verification codes sent for an account, in its data export: where and when, never the
code itself (only its keyed hash is kept anyway)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.accounts.export import ExportContext, records, section
from ekesco_api.registration.models import VerificationCode


@section("verification_codes", order=85)
def verification_codes(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    return records(
        session,
        select(
            VerificationCode.purpose,
            VerificationCode.channel,
            VerificationCode.destination,
            VerificationCode.created_at,
            VerificationCode.expires_at,
            VerificationCode.used_at,
            VerificationCode.revoked_at,
        )
        .where(VerificationCode.account_id == context.account_id)
        .order_by(VerificationCode.id.desc()),
    )
