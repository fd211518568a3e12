"""gunicorn's settings for the eKesco API: `gunicorn -c python:ekesco_api.gunicorn_conf ...`.

From a checkout `gunicorn -c gunicorn.conf.py wsgi:app` reads the same (that file imports this
one); an installed service names this module, which the wheel carries. Each setting can be
overridden on the command line or with GUNICORN_CMD_ARGS. The reasoning:
- workers: argon2 password hashing is CPU-bound, so about two per core (WEB_CONCURRENCY);
- timeout 30 s: the app gives up on a hung database after a few seconds (database_faults) and
  answers 503, long before gunicorn would kill the worker and drop the connection;
- graceful_timeout 20 s: on SIGTERM a worker finishes what it is answering, then exits;
- limits on the request line and headers: answered by gunicorn itself, as problem+json
  (`ekesco_api.serving`);
- no access log of gunicorn's own: the app writes one JSON line per request without the query
  string (`ekesco_api.logs`), where tokens and searched phone numbers travel;
- metrics: every worker writes its counters under PROMETHEUS_MULTIPROC_DIR, which /metrics adds
  up; a worker that exits is marked dead so its gauges stop counting. Set it, to the same
  directory for `ekesco worker`, to see the deliveries too; otherwise a new one is made.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# Made here unless given: then it is this run's alone, and goes when gunicorn exits.
_metrics_dir_made = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _metrics_dir_made:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="ekesco-metrics-")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]

from ekesco_api import serving  # noqa: E402  (after the metrics directory is known)

serving.install()  # gunicorn's own 400/414/431 answers as problem+json, in every worker

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
# A slow leak in a library cannot grow for ever; but a recycled worker starts cold: it imports
# the app again (a second or more of CPU) and loses psycopg's prepared statements, the verified
# tokens and the PDF fonts. At the 300-700 requests a second a worker answers (docs/performance.md)
# 10,000 meant a restart every 15-30 s, visible in the figures; 100,000 is every few minutes at
# full load. The jitter keeps the workers from all restarting at once.
max_requests = 100_000
max_requests_jitter = 10_000
limit_request_line = 8190  # the longest URL; longer: 414
limit_request_fields = 60  # headers per request; more: 431
limit_request_field_size = 8190  # one header's size; larger: 431
accesslog = None
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "ekesco_api.logs.JsonLines"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        # Off: its lines carry the query string (see above).
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
}


def on_starting(_server: object) -> None:
    """Clear what an earlier run left, keeping the files of processes still running."""
    # Values of an earlier run would be added to this one's; but a delivery worker (`ekesco
    # worker`) given the same directory keeps writing to the files it has open, so deleting
    # those would hide its deliveries until it restarts. Files are named <kind>_<pid>.db.
    os.makedirs(_metrics_dir, exist_ok=True)
    for path in Path(_metrics_dir).glob("*.db"):
        pid = path.stem.rpartition("_")[2]
        if not (pid.isascii() and pid.isdigit() and _running(int(pid))):
            path.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # another user's process
        pass
    return True


def on_exit(_server: object) -> None:
    if _metrics_dir_made:
        shutil.rmtree(_metrics_dir, ignore_errors=True)


def child_exit(_server: object, worker: object) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
