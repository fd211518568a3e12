"""The message outbox, its templates and the delivery worker."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Choose the message backends (refusing unknown ones) and add `ekesco worker`."""
    from ekesco_api.notifications import commands  # noqa: F401  (registers the command)
    from ekesco_api.notifications.service import init_senders

    init_senders(app)
