"""`flask --app wsgi ekesco export-payments|expire-payments|purge-idempotency-keys`."""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
from pathlib import Path

import click

from ekesco_api.cli import ekesco
from ekesco_api.extensions import db
from ekesco_api.payments import cis_export, housekeeping
from ekesco_api.types import utcnow


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
        cis_export.export_payments(session, day=day.date(), out=sys.stdout)
        return
    with out.open("w", encoding="utf-8", newline="") as handle:
        count = cis_export.export_payments(session, day=day.date(), out=handle)
    click.echo(f"Exported {count} payment rows for {day.date()} to {out}.", err=True)


@ekesco.command("expire-payments")
@click.option(
    "--every",
    type=click.FloatRange(min=1),
    default=None,
    help="Keep running: expire (and purge day-old Idempotency-Keys) every this many seconds, "
    "until SIGTERM or Ctrl-C.",
)
def expire_payments(every: float | None) -> None:
    """Mark payments pending for more than 30 minutes as expired.

    Once by default (for cron, every minute or so); with --every, as a worker.
    """
    if every is None:
        count = housekeeping.expire_payments(db.session())
        click.echo(f"Expired {count} payments.")
        return
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda _signum, _frame: stop.set())
        for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        click.echo(f"Payments worker started (every {every:g} s); SIGTERM or Ctrl-C stops it.")
        passes = housekeeping.run_housekeeping(db.session(), stop=stop, every=every, now=utcnow)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"Payments worker stopped after {passes} passes.")


@ekesco.command("purge-idempotency-keys")
def purge_idempotency_keys() -> None:
    """Forget Idempotency-Keys older than 24 hours (run daily)."""
    count = housekeeping.purge_idempotency_keys(db.session())
    click.echo(f"Removed {count} idempotency keys.")
