"""Sending SMS: the `SmsSender` interface, an outbox file for development, an HTTP gateway."""

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


class SmsSender(Protocol):
    """Sends one SMS; raises `DeliveryError` (or `PermanentDeliveryError`) when it cannot."""

    def send(self, *, to: str, body: str, key: str | None = None) -> None: ...


class FileSmsSender:
    """Appends `{"id"?, "to", "body", "sent_at"}` as one JSON line to a file (SMS_BACKEND=file)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path

    def send(self, *, to: str, body: str, key: str | None = None) -> None:
        append_json_line(self.path, keyed({"to": to, "body": body, "sent_at": timestamp()}, key))

    def send_many(
        self, messages: Sequence[tuple[str, str]], *, keys: Sequence[str] | None = None
    ) -> None:
        """Send each `(to, body)`: the same lines as `send`, in one write."""
        sent_at = timestamp()
        records = [{"to": to, "body": body, "sent_at": sent_at} for to, body in messages]
        append_json_lines(self.path, with_keys(records, keys))


class HttpSmsSender(HttpGateway):
    """Posts `{"to", "body"}` with a bearer token and `Idempotency-Key` (SMS_BACKEND=http)."""

    name = "SMS gateway"

    def send(self, *, to: str, body: str, key: str | None = None) -> None:
        self._post({"to": to, "body": body}, key)


def sms_sender_from_config(config: Mapping[str, Any]) -> SmsSender:
    """The sender SMS_BACKEND names; anything else stops start-up with a clear message."""
    gateway = gateway_backend(config, "SMS")
    return HttpSmsSender(*gateway) if gateway else FileSmsSender(config["SMS_FILE"])
