"""Normal forms of the supplier's identifiers, so that people can type them as they like."""

from __future__ import annotations

import re

_SPACES = re.compile(r"[\s\-_.]+")


def identifier_key(value: str) -> str:
    """Customer codes and meter numbers match ignoring case and spaces.

    `dgj0042137`, `DGJ 0042137` and `Dgj-0042137` are one code.
    """
    return _SPACES.sub("", value).upper()


def email_key(value: str) -> str:
    """E-mail addresses are unique ignoring case."""
    return value.strip().lower()
