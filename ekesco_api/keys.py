"""Normal forms of the supplier's identifiers, so that people can type them as they like."""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app

_SPACES = re.compile(r"[\s\-_.]+")


def identifier_key(value: str) -> str:
    """Customer codes and meter numbers match ignoring case and spaces.

    `dgj0042137`, `DGJ 0042137` and `Dgj-0042137` are one code.
    """
    return _SPACES.sub("", value).upper()


def email_key(value: str) -> str:
    """E-mail addresses are unique ignoring case."""
    return value.strip().lower()


def private_key(kind: str, value: str) -> str:
    """A key that tells one person's e-mail or phone from another's without spelling it.

    For rate-limit counters: their keys sit in Redis and the limiter writes them into the log.
    Keyed with SECRET_KEY, so a list of every Kosovo phone number cannot be hashed to read them
    back; every instance shares the secret, so all count under the same key.
    """
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, value.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return f"{kind}:{digest.hexdigest()[:32]}"
