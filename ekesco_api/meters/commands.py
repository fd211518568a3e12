"""`flask --app wsgi ekesco block-warnings`: warn households nearing the 800 kWh block."""

from __future__ import annotations

from decimal import Decimal

import click

from ekesco_api.cli import ekesco
from ekesco_api.extensions import db
from ekesco_api.meters.block_warnings import send_block_warnings


@ekesco.command("block-warnings")
@click.option(
    "--threshold",
    type=click.FloatRange(min=1),
    default=None,
    help="kWh this month that trigger the warning (default: BLOCK_WARNING_KWH, or 700).",
)
def block_warnings(threshold: float | None) -> None:
    """Send this month's block warnings (run after each import of reads; safe to repeat)."""
    report = send_block_warnings(
        db.session(), threshold_kwh=Decimal(str(threshold)) if threshold is not None else None
    )
    click.echo(f"Block warnings {report.summary()}.")
