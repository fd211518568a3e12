"""Push notifications: the `PushSender` interface, an outbox file, an FCM-style HTTP client."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ekesco_api.adapters.base import (
    HttpGateway,
    append_json_line,
    append_json_lines,
    gateway_backend,
    keyed,
    timestamp,
    with_keys,
)


class PushSender(Protocol):
    """Sends one notification to one device token; raises `DeliveryError` when it cannot."""

    def send(
        self, *, to: str, body: str, subject: str | None = None, key: str | None = None
    ) -> None: ...


class FilePushSender:
    """Appends `{"id"?, "to", "subject"?, "body", "sent_at"}` a line each (PUSH_BACKEND=file)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path

    def send(
        self, *, to: str, body: str, subject: str | None = None, key: str | None = None
    ) -> None:
        append_json_line(self.path, keyed(_record(to, body, subject, timestamp()), key))

    def send_many(
        self,
        messages: Sequence[tuple[str, str, str | None]],
        *,
        keys: Sequence[str] | None = None,
    ) -> None:
        """Send each `(to, body, subject)`: the same lines as `send`, in one write."""
        sent_at = timestamp()
        records = [_record(to, body, subject, sent_at) for to, body, subject in messages]
        append_json_lines(self.path, with_keys(records, keys))


def _record(to: str, body: str, subject: str | None, sent_at: str) -> dict[str, Any]:
    record: dict[str, Any] = {"to": to}
    if subject is not None:
        record["subject"] = subject
    record.update(body=body, sent_at=sent_at)
    return record


class FcmPushSender(HttpGateway):
    """Posts an FCM HTTP v1 style message (`{"message": {"token", "notification"}}`)."""

    name = "push gateway"

    def send(
        self, *, to: str, body: str, subject: str | None = None, key: str | None = None
    ) -> None:
        notification = {"body": body}
        if subject is not None:
            notification["title"] = subject
        self._post({"message": {"token": to, "notification": notification}}, key)


def push_sender_from_config(config: Mapping[str, Any]) -> PushSender:
    """The sender PUSH_BACKEND names; anything else stops start-up with a clear message."""
    gateway = gateway_backend(config, "PUSH")
    return FcmPushSender(*gateway) if gateway else FilePushSender(config["PUSH_FILE"])
