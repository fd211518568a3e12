"""The audit trail: every staff action recorded in the transaction that does it, failures too;
and the query an admin reads it back with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ekesco_api.errors import ApiError
from ekesco_api.keys import private_key
from ekesco_api.logs import mask_personal_data
from ekesco_api.staff.models import OUTCOME_FAILED, OUTCOME_SUCCESS, AuditEntry
from ekesco_api.types import utcnow

ACTION_LOGIN = "login"
ACTION_CUSTOMER_LOOKUP = "customer_lookup"
ACTION_PASSWORD_RESET = "password_reset"
ACTION_CONTACT_UPDATE = "contact_update"
ACTION_REGISTRATION_REMOVE = "registration_remove"
# With the outage actions recorded by `outage_audit`.
ACTIONS = (
    ACTION_LOGIN,
    ACTION_CUSTOMER_LOOKUP,
    ACTION_PASSWORD_RESET,
    ACTION_CONTACT_UPDATE,
    ACTION_REGISTRATION_REMOVE,
    "outage_announce",
    "outage_reschedule",
    "outage_cancel",
    "outage_reword",
)


@dataclass(frozen=True)
class Actor:
    """Who acts: taken from the token by the route, handed to the service."""

    staff_id: int | None
    role: str | None
    email: str | None = None
    request_id: str | None = None


@dataclass
class Record:
    """What the action fills in as it learns it (the account it found, what it changed)."""

    account_id: int | None = None
    customer_code: str | None = None
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def personal(kind: str, value: str) -> dict[str, str]:
    """How an entry names an e-mail, a phone or a personal number: never in clear.

    Entries are kept for years, are never edited, and outlive the account they speak of, which
    must then keep no contact data (the supplier keeps its records "without the contact data").
    So an entry holds what a reader needs to follow a case — the value masked as the logs mask
    it — and a keyed fingerprint (`keys.private_key`) that is the same for the same value, so an
    auditor can tell which entries concern one address without the trail ever spelling it.
    """
    return {"shown": mask_personal_data(value), "key": private_key(kind, value)}


def add_entry(
    session: Session,
    *,
    actor: Actor,
    action: str,
    record: Record,
    outcome: str,
    error_code: str | None = None,
) -> AuditEntry:
    """Add one entry to the caller's transaction (the caller commits)."""
    entry = AuditEntry(
        created_at=utcnow(),
        staff_id=actor.staff_id,
        staff_email=actor.email,
        role=actor.role,
        action=action,
        account_id=record.account_id,
        customer_code=record.customer_code,
        reason=record.reason,
        outcome=outcome,
        error_code=error_code,
        details=dict(record.details),
        request_id=actor.request_id,
    )
    session.add(entry)
    return entry


@contextmanager
def audited(
    session: Session, *, actor: Actor, action: str, record: Record | None = None
) -> Iterator[Record]:
    """Run one staff action and record it; commit both together, or record the failure alone.

    On success the entry joins the action's own transaction and both commit at once, so there
    is never an action without its record. When the action refuses (an `ApiError`), its
    changes (made inside a SAVEPOINT) are rolled back and the refusal is recorded and committed
    on its own: failures are part of the trail too. Any other exception is a bug: it
    propagates with nothing committed.
    """
    record = record or Record()
    # A SAVEPOINT around the action: a refusal undoes the action's changes, and only those.
    action_tx = session.begin_nested()
    try:
        yield record
    except ApiError as error:
        if action_tx.is_active:
            action_tx.rollback()
        add_entry(
            session,
            actor=actor,
            action=action,
            record=record,
            outcome=OUTCOME_FAILED,
            error_code=error.code,
        )
        session.commit()
        raise
    except BaseException:
        if action_tx.is_active:
            action_tx.rollback()
        raise
    action_tx.commit()
    add_entry(session, actor=actor, action=action, record=record, outcome=OUTCOME_SUCCESS)
    session.commit()


def audit_log_query(
    *,
    staff_id: int | None = None,
    account_id: int | None = None,
    action: str | None = None,
    outcome: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Select[Any]:
    """Entries matching every given filter, newest first."""
    statement = select(AuditEntry)
    if staff_id is not None:
        statement = statement.where(AuditEntry.staff_id == staff_id)
    if account_id is not None:
        statement = statement.where(AuditEntry.account_id == account_id)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    if outcome is not None:
        statement = statement.where(AuditEntry.outcome == outcome)
    if since is not None:
        statement = statement.where(AuditEntry.created_at >= since)
    if until is not None:
        statement = statement.where(AuditEntry.created_at < until)
    return statement.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
