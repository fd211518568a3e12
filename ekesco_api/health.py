"""Liveness and readiness probes, outside /api/v1 so that load balancers need no auth."""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Blueprint, Flask, current_app

from ekesco_api.database_faults import RETRY_AFTER, bounded
from ekesco_api.extensions import db
from ekesco_api.i18n import _
from ekesco_api.problems import problem

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

# A balancer waits a second or two for a probe; the answer must come before it gives up.
READY_WITHIN = 1.5


@bp.get("/healthz")
def healthz() -> Any:
    """The process is up."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> Any:
    """The database answers within READY_WITHIN seconds; 503 otherwise, so the balancer stops
    sending traffic."""
    answered = threading.Event()
    # In a thread of its own: a connection that hangs (a paused server) cannot hold the probe
    # past its deadline; the watchdog cuts that connection a little later.
    probe = threading.Thread(
        target=_select_one,
        args=(current_app._get_current_object(), answered),  # type: ignore[attr-defined]
        name="readyz",
        daemon=True,
    )
    probe.start()
    probe.join(READY_WITHIN)
    if not answered.is_set():
        return problem(
            503,
            "unavailable",
            _("The database is not reachable."),
            headers={"Retry-After": str(RETRY_AFTER)},
        )
    return {"status": "ready", "database": "ok"}


def _select_one(app: Flask, answered: threading.Event) -> None:
    # A raw connection: no ORM transaction to begin (on SQLite, no writer lock to wait for).
    try:
        with app.app_context(), bounded(READY_WITHIN):
            connection = db.engine.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute("SELECT 1")
                cursor.fetchall()
            finally:
                connection.close()
    except Exception:  # any driver error means "not ready"; the details go to the log
        log.warning("readiness probe: the database did not answer", exc_info=True)
        return
    answered.set()
