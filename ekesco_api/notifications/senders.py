"""One sender per channel, chosen by configuration: a message at a time, or a channel's batch."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ekesco_api.adapters.base import PermanentDeliveryError
from ekesco_api.adapters.email import EmailSender, email_sender_from_config
from ekesco_api.adapters.push import PushSender, push_sender_from_config
from ekesco_api.adapters.sms import SmsSender, sms_sender_from_config
from ekesco_api.notifications.claims import Claimed


@dataclass(frozen=True)
class Senders:
    """One sender per channel, chosen by configuration.

    Each message goes with its idempotency key (`Claimed.key`): the HTTP gateways get it as
    `Idempotency-Key`, SMTP as the Message-ID, and the outbox files skip a key already written.
    """

    sms: SmsSender
    email: EmailSender
    push: PushSender

    def send(self, message: Claimed) -> None:
        key = message.key
        if message.channel == "sms":
            self.sms.send(to=message.recipient, body=message.body, key=key)
        elif message.channel == "email":
            subject = message.subject or ""
            self.email.send(to=message.recipient, subject=subject, body=message.body, key=key)
        elif message.channel == "push":
            self.push.send(
                to=message.recipient, body=message.body, subject=message.subject, key=key
            )
        else:
            raise PermanentDeliveryError(f"unknown channel {message.channel!r}")

    def batch_sender(self, channel: str) -> Callable[[Sequence[Claimed]], None] | None:
        """One call sending many messages of `channel`, when its backend has `send_many`.

        It raises `BatchDeliveryError` naming how many went out before a failure; any other
        exception means none did.
        """
        if channel == "sms":
            sms = getattr(self.sms, "send_many", None)
            if sms is not None:
                return lambda batch: sms([(m.recipient, m.body) for m in batch], keys=_keys(batch))
        elif channel == "email":
            email = getattr(self.email, "send_many", None)
            if email is not None:
                return lambda batch: email(
                    [(m.recipient, m.subject or "", m.body) for m in batch], keys=_keys(batch)
                )
        elif channel == "push":
            push = getattr(self.push, "send_many", None)
            if push is not None:
                return lambda batch: push(
                    [(m.recipient, m.body, m.subject) for m in batch], keys=_keys(batch)
                )
        return None


def _keys(batch: Sequence[Claimed]) -> list[str]:
    return [message.key for message in batch]


def senders_from_config(config: Mapping[str, Any]) -> Senders:
    """The senders SMS_BACKEND, EMAIL_BACKEND and PUSH_BACKEND name (ConfigError otherwise)."""
    return Senders(
        sms=sms_sender_from_config(config),
        email=email_sender_from_config(config),
        push=push_sender_from_config(config),
    )
