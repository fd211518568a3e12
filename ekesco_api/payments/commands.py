"""`flask --app wsgi ekesco export-payments|expire-payments|purge-idempotency-keys`."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ekesco_api.cli import ekesco
from ekesco_api.extensions import db
from ekesco_api.payments import service as payment_service


@ekesco.command("export-payments")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="The local (Europe/Belgrade) day whose succeeded payments to export, YYYY-MM-DD.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The CSV file to write (default: standard output).",
)
def export_payments(day: dt.datetime, out: Path | None) -> None:
    """Write a day's succeeded app payments as CSV for the supplier's CIS."""
    session = db.session()
    if out is None:
        payment_service.export_payments(session, day=day.date(), out=sys.stdout)
        return
    with out.open("w", encoding="utf-8", newline="") as handle:
        count = payment_service.export_payments(session, day=day.date(), out=handle)
    click.echo(f"Exported {count} payment rows for {day.date()} to {out}.", err=True)


@ekesco.command("expire-payments")
def expire_payments() -> None:
    """Mark payments pending for more than 30 minutes as expired (run every few minutes)."""
    count = payment_service.expire_payments(db.session())
    click.echo(f"Expired {count} payments.")


@ekesco.command("purge-idempotency-keys")
def purge_idempotency_keys() -> None:
    """Forget Idempotency-Keys older than 24 hours (run daily)."""
    count = payment_service.purge_idempotency_keys(db.session())
    click.echo(f"Removed {count} idempotency keys.")
