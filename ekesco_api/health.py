"""Liveness and readiness probes, outside /api/v1 so that load balancers need no auth."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import text

from ekesco_api.extensions import db
from ekesco_api.i18n import _
from ekesco_api.problems import problem

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    """The process is up."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> Any:
    """The database answers; 503 otherwise, so the balancer stops sending traffic."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not ready"; the details go to the log
        db.session.rollback()
        return problem(503, "unavailable", _("The database is not reachable."))
    return {"status": "ready", "database": "ok"}
