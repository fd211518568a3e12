"""Writing back what became of a claimed batch: one statement per outcome kind, not per message.

Only rows whose claim still holds are touched. The same statements blank the body of a secret
message (a code, a reset link, a temporary password) once it is sent or failed for good: the
row then tells that it went out, and when, but no longer what it said.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Integer, any_, bindparam, literal, update

from ekesco_api.notifications.claims import AnySession, message_table, redacted_if
from ekesco_api.notifications.models import STATUS_FAILED, STATUS_QUEUED, STATUS_SENT, Message
from ekesco_api.types import UtcDateTime, utcnow


@dataclass
class Outcomes:
    """What became of a claimed batch, grouped the way it is written back."""

    sent: list[int] = field(default_factory=list)
    sent_at: dt.datetime | None = None
    # One row per message to retry or failed for good: m_id, m_status, m_next, m_error.
    unsent: list[dict[str, Any]] = field(default_factory=list)
    # Never tried (the lease was running out): back to the queue, the attempt not counted.
    released: list[int] = field(default_factory=list)


def _id_in(session: AnySession, ids: Sequence[int]) -> ColumnElement[bool]:
    column = message_table().c.id
    if session.get_bind(mapper=Message).dialect.name == "postgresql":
        # One array parameter: the statement text stays the same, however many ids.
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return column.in_(ids)


def record_outcomes(
    session: AnySession, *, token: str, outcomes: Outcomes, commit: bool = True
) -> None:
    """Write a batch's outcomes, one statement per kind, only where our claim still holds."""
    messages = message_table().c
    ours = messages.claim_token == token
    if outcomes.sent:
        at = outcomes.sent_at or utcnow()
        session.execute(
            update(message_table())
            .where(_id_in(session, outcomes.sent), ours)
            .values(
                status=STATUS_SENT,
                sent_at=at,
                next_attempt_at=at,
                last_error=None,
                claim_token=None,
                body=redacted_if(messages.secret),
            )
        )
    if outcomes.unsent:
        session.execute(
            update(message_table())
            .where(messages.id == bindparam("m_id"), ours)
            .values(
                status=bindparam("m_status"),
                next_attempt_at=bindparam("m_next", type_=UtcDateTime()),
                last_error=bindparam("m_error"),
                claim_token=None,
                # Kept for a retry; gone once the message failed for good.
                body=redacted_if(messages.secret & (bindparam("m_status") == STATUS_FAILED)),
            ),
            outcomes.unsent,
        )
    if outcomes.released:
        session.execute(
            update(message_table())
            .where(_id_in(session, outcomes.released), ours)
            .values(
                status=STATUS_QUEUED,
                attempts=messages.attempts - 1,
                next_attempt_at=outcomes.sent_at or utcnow(),
                claim_token=None,
            )
        )
    if commit:
        session.commit()
