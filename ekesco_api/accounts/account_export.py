"""The account's own record in its data export (GET /me/export): who registered, and how."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ekesco_api.accounts.export import ExportContext, section
from ekesco_api.accounts.models import Account


@section("account", order=10, many=False)
def account(session: Session, context: ExportContext) -> dict[str, Any]:
    """The registration as given (the password only as the fact that one is set)."""
    row = session.get(Account, context.account_id)
    if row is None:
        return {}
    return {
        "account_id": row.id,
        "customer_code": row.supply_point.customer_code,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        "phone": row.phone,
        "personal_number": row.personal_number,
        "id_card_expiry": row.id_card_expiry,
        "language": row.language,
        "status": row.status,
        "name_matches_holder": row.name_matches_holder,
        "pending_email": row.pending_email,
        "pending_phone": row.pending_phone,
        "password_change_required": row.password_change_required,
        "created_at": row.created_at,
        "verified_at": row.verified_at,
    }
