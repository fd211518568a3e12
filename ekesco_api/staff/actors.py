"""Who acts, as the audit trail names them: the staff member behind this request's token."""

from __future__ import annotations

from flask_jwt_extended import get_jwt

from ekesco_api.extensions import db
from ekesco_api.security.errors import TokenRevoked
from ekesco_api.security.guards import current_staff_id
from ekesco_api.staff import members
from ekesco_api.staff.audit import Actor
from ekesco_api.staff.request_ids import current_request_id


def current_actor() -> Actor:
    """The member behind the staff token; one switched off since login is turned away (401)."""
    member = members.get_staff(db.session(), staff_id=current_staff_id())
    if member is None or not member.active:
        raise TokenRevoked()
    return Actor(
        staff_id=member.id,
        role=str(get_jwt().get("role") or member.role),
        email=member.email,
        request_id=current_request_id(),
    )
