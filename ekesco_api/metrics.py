"""Prometheus metrics at /metrics: requests, latency, deliveries, logins, the pool, the outbox.

prometheus_client keeps the counters. Under gunicorn each worker is a process of its own, so
with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py sets it) every process writes its values
to files there and a scrape adds them up; the delivery worker (`ekesco worker`) writes there too
when it runs with the same setting. What is a fact of the database rather than of a process
(the outbox) is read at scrape time by collectors the domains register (`on_scrape`).

Who may read: METRICS_TOKEN as a bearer token, or a client in METRICS_ALLOW_FROM (networks,
comma-separated). Anyone else gets 404, as if there were nothing here. Production allows no
network by default, so without a token nobody reads it.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import Metric
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ekesco_api.problems import status_problem

REQUESTS = Counter(
    "ekesco_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "ekesco_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DELIVERIES = Counter(
    "ekesco_deliveries_total", "Messages the worker tried to deliver.", ["channel", "outcome"]
)
LOGINS = Counter("ekesco_logins_total", "Customer login attempts.", ["outcome"])
POOL_IN_USE = Gauge(
    "ekesco_db_pool_connections_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)
POOL_OPEN = Gauge(
    "ekesco_db_pool_connections_open",
    "Database connections open.",
    multiprocess_mode="livesum",
)

log = logging.getLogger(__name__)

# Methods counted by name; any other (a client may send any token) as "other", so that no
# client can add series without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

Scrape = Callable[[], Iterable[Metric]]
_scrapes: list[Scrape] = []

bp = Blueprint("metrics", __name__)


def on_scrape(collect: Scrape) -> None:
    """Have `collect` run at every scrape, in the request's app context (it may query)."""
    if collect not in _scrapes:
        _scrapes.append(collect)


class _AtScrape:
    """The scrape-time collectors, as one collector of the registry."""

    def describe(self) -> Iterable[Metric]:
        return ()  # nothing to read ahead: the registry must not scrape at registration

    def collect(self) -> Iterable[Metric]:
        for collect in _scrapes:
            # The metrics matter most when something is down: one collector failing (the
            # database away) must not take the others with it.
            try:
                metrics = list(collect())
            except Exception:
                log.warning("a metrics collector failed: %s", collect.__name__, exc_info=True)
                continue
            yield from metrics


_AT_SCRAPE = _AtScrape()
REGISTRY.register(_AT_SCRAPE)


def _registry() -> CollectorRegistry:
    """This process's registry, or under gunicorn one reading every process's files."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_AT_SCRAPE)
    return registry


def _may_read() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        client = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(client in network for network in current_app.config["METRICS_ALLOW_FROM"])


@bp.get("/metrics")
def metrics() -> Response:
    """The metrics in Prometheus' text format, for whoever the settings allow."""
    if not _may_read():
        return status_problem(404)
    return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)


def _start_clock() -> None:
    g.setdefault("request_started", time.perf_counter())


def _count(response: Response) -> Response:
    route = request.url_rule.rule if request.url_rule else "unmatched"
    method = request.method if request.method in METHODS else "other"
    REQUESTS.labels(method, route, str(response.status_code)).inc()
    started = g.get("request_started")
    if started is not None:
        LATENCY.labels(method, route).observe(time.perf_counter() - started)
    return response


def watch_pool(engine: Engine) -> None:
    """Count the connections the pool holds open and lends out, in every process."""
    event.listen(engine, "connect", lambda *_: POOL_OPEN.inc())
    event.listen(engine, "close", lambda *_: POOL_OPEN.dec())
    event.listen(engine, "close_detached", lambda *_: POOL_OPEN.dec())
    event.listen(engine, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: POOL_IN_USE.dec())


def init_app(app: Flask, engine: Engine) -> None:
    app.before_request(_start_clock)
    app.after_request(_count)
    app.register_blueprint(bp)
    watch_pool(engine)
