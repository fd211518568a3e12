"""What support did on an account, in its data export: the action, when, how it ended, and the
reason given. Which member of staff acted is the supplier's record, not the customer's data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.accounts.export import ExportContext, records, section
from ekesco_api.staff.models import AuditEntry


@section("support_actions", order=90)
def support_actions(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    return records(
        session,
        select(
            AuditEntry.created_at.label("at"),
            AuditEntry.action,
            AuditEntry.outcome,
            AuditEntry.reason,
        )
        .where(AuditEntry.account_id == context.account_id)
        .order_by(AuditEntry.id.desc()),
    )
