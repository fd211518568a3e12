"""Dispatchers' outage actions in the audit trail, written in the flush that saves them.

The outages domain announces, reschedules and cancels outages; this listener sees those rows
being flushed during a staff request and adds the audit entry on the same connection, in the
same transaction, so the outages code needs no audit calls of its own. Refused actions (422,
409) flush nothing and are not recorded here.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_jwt_extended import get_jwt
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from ekesco_api.outages.models import STATUS_CANCELLED, Outage
from ekesco_api.staff.models import OUTCOME_SUCCESS, AuditEntry, StaffMember
from ekesco_api.staff.request_ids import current_request_id
from ekesco_api.types import utcnow

ACTION_OUTAGE_ANNOUNCE = "outage_announce"
ACTION_OUTAGE_RESCHEDULE = "outage_reschedule"
ACTION_OUTAGE_CANCEL = "outage_cancel"
ACTION_OUTAGE_REWORD = "outage_reword"


def _staff_claims() -> dict[str, Any] | None:
    if not has_request_context():
        return None
    try:
        claims = get_jwt()
    except RuntimeError:  # no verified token in this request
        return None
    return claims if claims.get("kind") == "staff" else None


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _change(outage: Outage) -> tuple[str, dict[str, Any]] | None:
    state = inspect(outage)
    changed: dict[str, Any] = {}
    for name in ("status", "starts_at", "ends_at", "reason_en"):
        history = state.attrs[name].history
        if history.has_changes() and history.deleted:
            before, after = list(history.deleted), list(history.added)
            changed[name] = {"from": _iso(before[0]), "to": _iso(after[0] if after else None)}
    if not changed:
        return None
    if changed.get("status", {}).get("to") == STATUS_CANCELLED:
        return ACTION_OUTAGE_CANCEL, changed
    if "starts_at" in changed or "ends_at" in changed:
        return ACTION_OUTAGE_RESCHEDULE, changed
    return ACTION_OUTAGE_REWORD, changed


@event.listens_for(Session, "after_flush")
def _record_outage_actions(session: Session, _flush: UOWTransaction) -> None:
    actions: list[tuple[str, dict[str, Any]]] = []
    for obj in session.new:
        if isinstance(obj, Outage):
            actions.append(
                (
                    ACTION_OUTAGE_ANNOUNCE,
                    {
                        "outage_id": obj.id,
                        "kind": obj.kind,
                        "starts_at": _iso(obj.starts_at),
                        "ends_at": _iso(obj.ends_at),
                    },
                )
            )
    for obj in session.dirty:
        if isinstance(obj, Outage):
            change = _change(obj)
            if change is not None:
                action, changed = change
                actions.append((action, {"outage_id": obj.id, "changed": changed}))
    if not actions:
        return
    claims = _staff_claims()
    if claims is None:
        return  # not a staff request (a reminder job, a test's service call)
    subject = int(claims["sub"])
    connection = session.connection()
    member = connection.execute(
        select(StaffMember.id, StaffMember.email).where(StaffMember.id == subject)
    ).first()
    for action, details in actions:
        if member is None:
            details["token_subject"] = subject
        connection.execute(
            insert(AuditEntry).values(
                created_at=utcnow(),
                staff_id=member.id if member else None,
                staff_email=member.email if member else None,
                role=claims.get("role"),
                action=action,
                account_id=None,
                customer_code=None,
                reason=None,
                outcome=OUTCOME_SUCCESS,
                error_code=None,
                details=details,
                request_id=current_request_id(),
            )
        )
