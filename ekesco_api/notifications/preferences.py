"""What an account chose for its messages: the push devices it registered, the channels it
wants, and the kinds of news it switched off."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ekesco_api.notifications.models import (
    CHOSEN_CHANNELS,
    Device,
    MutedKind,
    NotificationChannels,
)
from ekesco_api.types import utcnow

# News a customer may switch off, by the `kind` it has in the inbox: a new bill (from the CIS
# import) and the reminder three days before a bill is due (bills.notices). What the supplier
# must tell (codes, a changed password, outages announced, disconnection notices) is not here.
KIND_BILL_ISSUED = "bill_issued"
KIND_BILL_DUE = "bill_due"
SWITCHABLE_KINDS = (KIND_BILL_ISSUED, KIND_BILL_DUE)


def channels_of(session: Session, *, account_id: int) -> list[str]:
    """The channels an account chose on top of the inbox (none chosen: inbox only)."""
    row = session.get(NotificationChannels, account_id)
    return row.channels() if row else []


def _insert(session: Session) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def choose_channels(session: Session, *, account_id: int, channels: Sequence[str]) -> None:
    """Replace the account's channels; the caller commits (with what else it changes).

    One upsert, so that two devices choosing at once for the first time both succeed (the
    last to commit stands) instead of both inserting the account's row.
    """
    chosen = {channel: channel in channels for channel in CHOSEN_CHANNELS}
    session.execute(
        _insert(session)(NotificationChannels)
        .values(account_id=account_id, **chosen)
        .on_conflict_do_update(index_elements=[NotificationChannels.account_id], set_=chosen)
    )


def muted_kinds(session: Session, *, account_id: int) -> set[str]:
    return set(session.scalars(select(MutedKind.kind).where(MutedKind.account_id == account_id)))


def preferences_of(session: Session, *, account_id: int) -> dict[str, Any]:
    """The channels chosen besides the inbox, and for each switchable kind whether it is on."""
    muted = muted_kinds(session, account_id=account_id)
    return {
        "channels": channels_of(session, account_id=account_id),
        "kinds": {kind: kind not in muted for kind in SWITCHABLE_KINDS},
    }


def set_preferences(
    session: Session,
    *,
    account_id: int,
    channels: Sequence[str] | None = None,
    kinds: Mapping[str, bool] | None = None,
) -> dict[str, Any]:
    """Change what is given (the channels replace the chosen ones; each kind named is switched
    on or off) and commit; the preferences as they now stand."""
    if channels is not None:
        choose_channels(session, account_id=account_id, channels=channels)
    for kind, wanted in (kinds or {}).items():
        if kind not in SWITCHABLE_KINDS:
            raise ValueError(f"{kind!r} cannot be switched off")
        # Idempotent both ways, so that two devices switching at once both succeed: deleting
        # nothing is no error, and inserting a row another request just inserted is skipped.
        if wanted:
            session.execute(
                delete(MutedKind).where(MutedKind.account_id == account_id, MutedKind.kind == kind)
            )
        else:
            session.execute(
                _insert(session)(MutedKind)
                .values(account_id=account_id, kind=kind)
                .on_conflict_do_nothing(index_elements=[MutedKind.account_id, MutedKind.kind])
            )
    session.commit()
    return preferences_of(session, account_id=account_id)


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
    statement = _insert(session)(Device).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[Device.push_token],
        set_={"account_id": account_id, "platform": platform, "updated_at": now},
    )
    session.execute(statement)
    session.commit()
    device = session.scalars(select(Device).where(Device.push_token == push_token)).one()
    session.refresh(device)
    return device
