"""gunicorn's settings: a new run clears the metrics of processes gone, not of those running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_new_run_keeps_the_metrics_of_a_delivery_worker_still_running(tmp_path: Path) -> None:
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    gone = subprocess.Popen(["true"])
    gone.wait()
    running = metrics / f"counter_{os.getpid()}.db"  # this test stands for `ekesco worker`
    stale = [metrics / f"counter_{gone.pid}.db", metrics / f"gauge_livesum_{gone.pid}.db"]
    for path in (running, *stale):
        path.write_bytes(b"values")

    subprocess.run(
        [
            sys.executable,
            "-c",
            "from ekesco_api import gunicorn_conf; gunicorn_conf.on_starting(None)",
        ],
        cwd=ROOT,
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics)},
        check=True,
        timeout=60,
    )

    assert running.read_bytes() == b"values"
    assert not any(path.exists() for path in stale)
