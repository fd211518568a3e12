"""What an account chose for its messages: the push devices it registered, the channels it wants."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ekesco_api.notifications.models import CHOSEN_CHANNELS, Device, NotificationChannels
from ekesco_api.types import utcnow


def channels_of(session: Session, *, account_id: int) -> list[str]:
    """The channels an account chose on top of the inbox (none chosen: inbox only)."""
    row = session.get(NotificationChannels, account_id)
    return row.channels() if row else []


def choose_channels(session: Session, *, account_id: int, channels: Sequence[str]) -> None:
    """Replace the account's channels; the caller commits (with what else it changes)."""
    row = session.get(NotificationChannels, account_id)
    if row is None:
        row = NotificationChannels(account_id=account_id)
        session.add(row)
    for channel in CHOSEN_CHANNELS:
        setattr(row, channel, channel in channels)


def register_device(session: Session, *, account_id: int, platform: str, push_token: str) -> Device:
    """Store a push token for this account; a token another account had moves here.

    One upsert on the unique token, so two accounts registering the same token at the same
    time end with it on one of them, never with an error or two rows.
    """
    now = utcnow()
    values = {
        "account_id": account_id,
        "platform": platform,
        "push_token": push_token,
        "created_at": now,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    upsert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = upsert_fn(Device).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[Device.push_token],
        set_={"account_id": account_id, "platform": platform, "updated_at": now},
    )
    session.execute(statement)
    session.commit()
    device = session.scalars(select(Device).where(Device.push_token == push_token)).one()
    session.refresh(device)
    return device
