"""The in-app inbox: read newest first in the app, marked read there."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from ekesco_api.notifications.errors import NotificationNotFound
from ekesco_api.notifications.models import Notification
from ekesco_api.types import utcnow


def inbox(session: Session, *, account_id: int) -> Select[Any]:
    return (
        select(Notification)
        .where(Notification.account_id == account_id)
        .order_by(Notification.id.desc())
    )


def mark_read(session: Session, *, account_id: int, notification_id: int) -> Notification:
    note = session.scalars(
        select(Notification).where(
            Notification.id == notification_id, Notification.account_id == account_id
        )
    ).one_or_none()
    if note is None:
        raise NotificationNotFound()
    if note.read_at is None:
        note.read_at = utcnow()
        session.commit()
    return note


def mark_all_read(session: Session, *, account_id: int) -> int:
    result = session.execute(
        update(Notification)
        .where(Notification.account_id == account_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
