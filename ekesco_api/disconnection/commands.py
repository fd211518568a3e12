"""`flask --app wsgi ekesco disconnection-sweep`: record what payments and the calendar decided."""

from __future__ import annotations

import click

from ekesco_api.cli import ekesco
from ekesco_api.disconnection.agreements import describe, sweep
from ekesco_api.extensions import db
from ekesco_api.types import utcnow


@ekesco.command("disconnection-sweep")
def disconnection_sweep() -> None:
    """Copy inbox receipts onto notices; record agreements in force, completed or broken, and
    warn anew after a break (Art. 16.1a). Each import runs it too; run it hourly besides, so a
    break is warned on the day; safe to repeat, and to run at once."""
    click.echo(describe(sweep(db.session(), now=utcnow())))
