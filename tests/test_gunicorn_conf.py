"""gunicorn's settings: the metrics directory, cleared of processes gone, and its own removed."""

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

    _run_hooks("on_starting", PROMETHEUS_MULTIPROC_DIR=str(metrics))

    assert running.read_bytes() == b"values"
    assert not any(path.exists() for path in stale)


def test_a_directory_made_for_the_run_goes_when_gunicorn_exits(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    _run_hooks("on_starting", env=environment, TMPDIR=str(tmp_path))
    (made,) = tmp_path.glob("ekesco-metrics-*")  # mkdtemp's, in TMPDIR
    _run_hooks("on_starting", "on_exit", env=environment, TMPDIR=str(tmp_path))
    assert list(tmp_path.glob("ekesco-metrics-*")) == [made]  # only the first run's is left


def _run_hooks(*hooks: str, env: dict[str, str] | None = None, **settings: str) -> None:
    """Import the settings in a process of their own and call gunicorn's `hooks` in order."""
    calls = "; ".join(f"gunicorn_conf.{hook}(None)" for hook in hooks)
    subprocess.run(
        [sys.executable, "-c", f"from ekesco_api import gunicorn_conf; {calls}"],
        cwd=ROOT,
        env={**(os.environ if env is None else env), **settings},
        check=True,
        timeout=60,
    )
