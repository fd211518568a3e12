"""`flask --app wsgi ekesco disconnection-sweep`: record what payments and the calendar decided."""

from __future__ import annotations

import click

from ekesco_api.cli import ekesco
from ekesco_api.disconnection.agreements import sweep
from ekesco_api.extensions import db
from ekesco_api.types import utcnow


@ekesco.command("disconnection-sweep")
def disconnection_sweep() -> None:
    """Copy inbox receipts onto notices; record agreements in force, completed or broken, and
    warn anew after a break (Art. 16.1a). Run it hourly and after each import; safe to repeat."""
    done = sweep(db.session(), now=utcnow())
    click.echo(
        f"Payment agreements checked on {done['agreements']} customer codes; "
        f"{done['warnings']} new warnings."
    )
