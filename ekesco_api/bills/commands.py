"""`flask --app wsgi ekesco bill-reminders`: due-date reminders, and the bill notices queued."""

from __future__ import annotations

import click

from ekesco_api.bills.notices import remind_and_send
from ekesco_api.cli import ekesco
from ekesco_api.extensions import db


@ekesco.command("bill-reminders")
def bill_reminders() -> None:
    """Queue today's due-date reminders and send the bill notices waiting (the new bills the
    import queued too). Safe to run every few minutes, on several machines at once."""
    report = remind_and_send(db.session())
    click.echo(f"Bill notices: {report.summary()}.")
