"""`flask --app wsgi ekesco outage-reminders`: the evening-before reminders (run it from cron)."""

from __future__ import annotations

import click

from ekesco_api.cli import ekesco
from ekesco_api.extensions import db
from ekesco_api.outages.fanout import send_reminders
from ekesco_api.types import utcnow


@ekesco.command("outage-reminders")
def outage_reminders() -> None:
    """Queue reminders for tomorrow's outages (from 18:00 local time); safe to run repeatedly."""
    queued = send_reminders(db.session(), now=utcnow())
    click.echo(f"Outage reminders: {queued} accounts reminded.")
