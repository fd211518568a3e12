"""Sending e-mail: the `EmailSender` interface, an outbox file for development, SMTP."""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from ekesco_api.adapters.base import (
    DeliveryError,
    PermanentDeliveryError,
    append_json_line,
    append_json_lines,
    keyed,
    timestamp,
    with_keys,
)
from ekesco_api.config import ConfigError

BACKENDS = ("file", "smtp")
SMTP_TIMEOUT = 15.0  # seconds for connecting and for each command


class EmailSender(Protocol):
    """Sends one plain-text e-mail; raises `DeliveryError` when it cannot."""

    def send(self, *, to: str, subject: str, body: str, key: str | None = None) -> None: ...


class FileEmailSender:
    """Appends `{"id"?, "to", "subject", "body", "sent_at"}` as a JSON line (EMAIL_BACKEND=file)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path

    def send(self, *, to: str, subject: str, body: str, key: str | None = None) -> None:
        record = {"to": to, "subject": subject, "body": body, "sent_at": timestamp()}
        append_json_line(self.path, keyed(record, key))

    def send_many(
        self, messages: Sequence[tuple[str, str, str]], *, keys: Sequence[str] | None = None
    ) -> None:
        """Send each `(to, subject, body)`: the same lines as `send`, in one write."""
        sent_at = timestamp()
        records = [
            {"to": to, "subject": subject, "body": body, "sent_at": sent_at}
            for to, subject, body in messages
        ]
        append_json_lines(self.path, with_keys(records, keys))


class SmtpEmailSender:
    """Sends through an SMTP relay, upgrading to TLS with STARTTLS (EMAIL_BACKEND=smtp)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str = "",
        password: str = "",
        starttls: bool = True,
        timeout: float = SMTP_TIMEOUT,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    def build(self, *, to: str, subject: str, body: str, key: str | None = None) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        domain = self.sender.rpartition("@")[2].strip("> ")
        # The message's own key makes a stable Message-ID: sent again after a worker died
        # before recording it, it is the same e-mail, and mail systems drop the copy.
        message["Message-ID"] = f"<{key}@{domain}>" if key else make_msgid(domain=domain)
        message.set_content(body)
        return message

    def send(self, *, to: str, subject: str, body: str, key: str | None = None) -> None:
        message = self.build(to=to, subject=subject, body=body, key=key)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            # Our credentials, not the message: keep it queued until the relay is fixed.
            raise DeliveryError(f"SMTP login refused ({exc.smtp_code})") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentDeliveryError("SMTP server refused the recipient") from exc
        except smtplib.SMTPResponseException as exc:
            # 5xx replies are final (bad address, policy); 4xx ones are worth another try.
            error = PermanentDeliveryError if exc.smtp_code >= 500 else DeliveryError
            raise error(f"SMTP server answered {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP server unreachable ({type(exc).__name__})") from exc


def email_sender_from_config(config: Mapping[str, Any]) -> EmailSender:
    """The sender EMAIL_BACKEND names; anything else stops start-up with a clear message."""
    backend = config.get("EMAIL_BACKEND", "file")
    if backend == "file":
        return FileEmailSender(config["EMAIL_FILE"])
    if backend == "smtp":
        return SmtpEmailSender(
            host=config.get("SMTP_HOST", "localhost"),
            port=int(config.get("SMTP_PORT", 587)),
            sender=config.get("MAIL_FROM", "no-reply@localhost"),
            username=config.get("SMTP_USERNAME", ""),
            password=config.get("SMTP_PASSWORD", ""),
            starttls=bool(config.get("SMTP_STARTTLS", True)),
        )
    raise ConfigError(f"EMAIL_BACKEND must be one of {', '.join(BACKENDS)}; got {backend!r}")
