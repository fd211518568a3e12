"""gunicorn with gunicorn.conf.py: its own refusals are problem documents, its lines JSON."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.serving import GUNICORN, ROOT, free_port, wait_until_up


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One gunicorn for the module: starting one takes seconds."""
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "EKESCO_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            # The settings as an installed service names them (gunicorn.conf.py imports them).
            [str(GUNICORN), "-c", "python:ekesco_api.gunicorn_conf", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
            yield f"http://127.0.0.1:{port}", log
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def test_gunicorns_own_refusals_are_problem_documents(gunicorn):
    base, _log = gunicorn
    too_long = httpx.get(f"{base}/api/v1/areas?q={'x' * 9000}")
    assert too_long.status_code == 414
    assert too_long.headers["content-type"] == "application/problem+json"
    assert too_long.json()["code"] == "uri_too_long"
    assert "xxxx" not in too_long.text  # the input is not echoed back

    many_headers = httpx.get(f"{base}/healthz", headers={f"X-H{i}": "1" for i in range(80)})
    assert many_headers.status_code == 431
    assert many_headers.json()["code"] == "headers_too_large"


def test_every_line_written_is_a_json_object_and_requests_get_one_each(gunicorn):
    base, log = gunicorn
    httpx.get(f"{base}/healthz?token=secret-in-the-query")
    time.sleep(0.3)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    requests = [line for line in lines if line.get("logger") == "ekesco.access"]
    assert any(line["route"] == "/healthz" and line["status"] == 200 for line in requests)
    assert "secret-in-the-query" not in log.read_text()


def test_metrics_add_up_every_worker_under_gunicorn(gunicorn):
    base, _log = gunicorn
    for _ in range(3):
        httpx.get(f"{base}/healthz")
    text = httpx.get(f"{base}/metrics").text  # from loopback: allowed in development
    line = next(
        line
        for line in text.splitlines()
        if line.startswith('ekesco_http_requests_total{method="GET",route="/healthz",status="200"}')
    )
    assert float(line.rsplit(" ", 1)[1]) >= 3
    assert "ekesco_db_pool_connections_in_use" in text
