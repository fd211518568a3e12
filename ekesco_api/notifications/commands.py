"""`flask --app wsgi ekesco worker`: deliver queued SMS, e-mail and push messages."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click
from flask import current_app

from ekesco_api.cli import ekesco
from ekesco_api.extensions import db
from ekesco_api.notifications.claims import BATCH_SIZE, MAX_BATCH_SIZE
from ekesco_api.notifications.service import get_senders
from ekesco_api.notifications.worker import deliver_due, run_worker


@ekesco.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, MAX_BATCH_SIZE),
    help=f"Messages claimed at once [default: WORKER_BATCH_SIZE, else {BATCH_SIZE}].",
)
@click.option(
    "--idle-sleep",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.05, 60),
    help="Seconds to wait when nothing is due.",
)
def worker(once: bool, batch_size: int | None, idle_sleep: float) -> None:
    """Deliver queued messages until SIGTERM or SIGINT (or once, with --once)."""
    if batch_size is None:
        batch_size = int(current_app.config.get("WORKER_BATCH_SIZE") or BATCH_SIZE)
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise click.UsageError(f"WORKER_BATCH_SIZE must be 1 to {MAX_BATCH_SIZE}")
    senders = get_senders()
    lease = dt.timedelta(seconds=int(current_app.config.get("WORKER_LEASE_SECONDS") or 30))
    if once:
        report = deliver_due(
            db.session, senders=senders, batch_size=batch_size, lease=lease, renew=True
        )
        click.echo(f"Messages: {report.summary()}.")
        return
    stop = threading.Event()
    with _stop_on_signals(stop):
        click.echo("Worker started; SIGTERM or Ctrl-C stops it after the current batch.")
        report = run_worker(
            db.session,
            senders=senders,
            stop=stop,
            idle_sleep=idle_sleep,
            batch_size=batch_size,
            lease=lease,
        )
    click.echo(f"Worker stopped. Messages: {report.summary()}.")


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
