"""The message outbox, its templates and the delivery worker."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Choose the message backends (refusing unknown ones), add `ekesco worker`, and have
    /metrics report the outbox."""
    from ekesco_api import metrics
    from ekesco_api.notifications import commands  # noqa: F401  (registers the command)
    from ekesco_api.notifications.gauges import outbox_gauges
    from ekesco_api.notifications.service import init_senders

    init_senders(app)
    metrics.on_scrape(outbox_gauges)
