"""What notifications hold about an account, in its data export: the inbox, the messages sent,
the devices (never their push tokens) and the message preferences."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from ekesco_api.accounts.export import ExportContext, records, section
from ekesco_api.notifications.models import REDACTED_BODY, Device, Message, Notification
from ekesco_api.notifications.preferences import preferences_of


@section("inbox", order=60)
def inbox(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    return records(
        session,
        select(
            Notification.id,
            Notification.kind,
            Notification.title,
            Notification.body,
            Notification.created_at,
            Notification.read_at,
        )
        .where(Notification.account_id == context.account_id)
        .order_by(Notification.id.desc()),
    )


@section("messages", order=61)
def messages(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    """SMS, e-mails and pushes sent to the account; a one-time secret (a code, a reset link, a
    temporary password) never, even before it is sent: the copy may outlive its use."""
    return records(
        session,
        select(
            Message.id,
            Message.channel,
            Message.kind,
            Message.recipient,
            Message.subject,
            case((Message.secret, REDACTED_BODY), else_=Message.body).label("body"),
            Message.status,
            Message.created_at,
            Message.sent_at,
        )
        .where(Message.account_id == context.account_id)
        .order_by(Message.id.desc()),
    )


@section("devices", order=62)
def devices(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    return records(
        session,
        select(Device.id, Device.platform, Device.created_at, Device.updated_at)
        .where(Device.account_id == context.account_id)
        .order_by(Device.id),
    )


@section("notification_preferences", order=63, many=False)
def notification_preferences(session: Session, context: ExportContext) -> dict[str, Any]:
    return preferences_of(session, account_id=context.account_id)
