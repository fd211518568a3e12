"""Two versions of the app, interleaved, in-process: what a change costs or saves per request.

Usage: .venv/bin/python benchmarks/ab.py --a REV_OR_DIR [--b REV_OR_DIR] [--endpoint NAME ...]
       [--requests 400] [--rounds 12] [--database ekesco_scale]

This machine's speed drifts by a third between runs (other engineers' tests share its two
cores), so two versions measured one after the other say little. Here each version runs in a
process of its own (`ab_worker.py`, the app called as gunicorn calls it), both on the same
database, and they take turns: round after round, a block of requests of each endpoint on A,
then on B (the order alternating, ABBA), so drift hits both alike. Per request it reports the
app's CPU, the CPU of the PostgreSQL backends serving it (the database shares the cores, so
their sum is what bounds the throughput), the wall time of one request at a time, and the
statements sent; then B against A as the median of the per-round ratios, with their range.

A revision (a commit, `HEAD`) is checked out as a detached worktree under /tmp; a directory is
used as it is (`--b .`, the default, is the working tree). Needs the scale database that
`make bench-scale` leaves (its accounts, benchmarks/scale_data.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENDPOINTS = (
    "GET /healthz",
    "GET /balance",
    "GET /meters/{id}/bills",
    "POST /auth/refresh",
    "POST /payments",
)
METRICS = ("app_us", "pg_us", "wall_us", "statements")


def checkout(spec: str) -> Path:
    """A directory as it is, or a revision checked out (once) as a worktree under /tmp."""
    if Path(spec).is_dir():
        return Path(spec).resolve()
    commit = subprocess.run(
        ["git", "rev-parse", "--short=12", spec], cwd=ROOT, check=True, capture_output=True,
        text=True,
    ).stdout.strip()  # fmt: skip
    path = Path(f"/tmp/ekesco-ab-{commit}")
    if not path.is_dir():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(path), commit],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [str(ROOT / ".venv/bin/pybabel"), "compile", "-d", "ekesco_api/translations"],
            cwd=path, check=True, capture_output=True,
        )  # fmt: skip
    return path


class Side:
    def __init__(self, name: str, path: Path, env: dict[str, str]) -> None:
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("ab_worker.py")), str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    def run(self, endpoint: str, count: int) -> dict[str, float]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"run\t{endpoint}\t{count}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"side {self.name} ended (exit {self.process.wait()})")
        while not line.startswith("{"):  # AB_SHOW_ERRORS lines
            print(f"  [{self.name}] {line.rstrip()}")
            line = self.process.stdout.readline()
        return dict(json.loads(line))

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", required=True, help="the base: a revision or a directory")
    parser.add_argument("--b", default=str(ROOT), help="the change (default: the working tree)")
    parser.add_argument("--endpoint", action="append", choices=ENDPOINTS)
    parser.add_argument("--requests", type=int, default=400, help="per block")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--database", default="ekesco_scale")
    args = parser.parse_args()
    chosen = args.endpoint or list(ENDPOINTS)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.database}",
        "EKESCO_INSTANCE_DIR": "/tmp/ekesco-ab-instance",
        "PAYMENT_GATEWAY": "simulated",
        "RATELIMIT_ENABLED": "false",
        **{f"{k}_BACKEND": "file" for k in ("SMS", "EMAIL", "PUSH")},
        **{f"{k}_FILE": f"/tmp/ekesco-ab-instance/{k.lower()}.jsonl" for k in ("SMS", "EMAIL")},
        "PUSH_FILE": "/tmp/ekesco-ab-instance/push.jsonl",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    os.makedirs("/tmp/ekesco-ab-instance", exist_ok=True)
    a, b = checkout(args.a), checkout(args.b)
    print(f"A = {a}\nB = {b}\n{len(chosen)} endpoints, {args.rounds} rounds of "
          f"{args.requests} requests, load {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    sides = [Side("A", a, env), Side("B", b, env)]
    try:
        for endpoint in chosen:  # warm-up: imports, connections, prepared statements, caches
            for side in sides:
                side.run(endpoint, max(50, args.requests // 4))
        results: dict[str, dict[str, list[dict[str, float]]]] = {
            e: {"A": [], "B": []} for e in chosen
        }
        for round_number in range(args.rounds):
            order = sides if round_number % 2 == 0 else sides[::-1]
            for endpoint in chosen:
                for side in order:
                    results[endpoint][side.name].append(side.run(endpoint, args.requests))
        print(f"finished, load {os.getloadavg()[0]:.2f}")
    finally:
        for side in sides:
            side.close()
    report(results)
    return 0


def report(results: dict[str, dict[str, list[dict[str, float]]]]) -> None:
    print(f"{'endpoint':<24} {'metric':<10} {'A':>9} {'B':>9} {'B/A':>7}  range of B/A")
    for endpoint, by_side in results.items():
        failed = sum(r["failed"] for side in by_side.values() for r in side)
        for metric in (*METRICS, "total_us"):

            def value(r: dict[str, float], metric: str = metric) -> float:
                return r["app_us"] + r["pg_us"] if metric == "total_us" else r[metric]

            a = [value(r) for r in by_side["A"]]
            b = [value(r) for r in by_side["B"]]
            ratios = sorted(y / x for x, y in zip(a, b, strict=True) if x)
            # The median ratio, and the range of the middle half of the rounds' ratios.
            # No ratio where A spent nothing (GET /healthz has no PostgreSQL time).
            shown = ""
            if ratios:
                middle = ratios[len(ratios) // 4 : len(ratios) - len(ratios) // 4]
                shown = f"{statistics.median(ratios):7.3f}  {middle[0]:.2f}–{middle[-1]:.2f}"
            print(
                f"{endpoint:<24} {metric:<10} {statistics.median(a):9.1f} "
                f"{statistics.median(b):9.1f} {shown}"
            )
        if failed:
            print(f"{endpoint:<24} FAILED requests: {failed}")
    sys.stdout.flush()
    time.sleep(0)


if __name__ == "__main__":
    raise SystemExit(main())
