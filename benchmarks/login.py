"""Login throughput under gunicorn against the bare argon2id verify rate of the same machine.

Usage: .venv/bin/python benchmarks/login.py [--seconds 8] [--rounds 2] [--concurrency 4]
       (or `make bench`). Uses SQLite in a temporary directory unless DATABASE_URL is set (then
       that database is migrated and one benchmark account is added to it).

Starts `gunicorn wsgi:app` on 127.0.0.1 with 2 sync workers and rate limits off, creates one
verified account, then alternates two measurements of equal length so that background load
hits both alike: logins sent by a bounded pool of client threads (req/s, p50, p99), and
argon2id verifications of the same hash in 2 processes (one per worker). The ratio of the two
says how much of a login is anything but the password hash; the target is at least 90 %.
Everything it starts it stops, also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORKERS = 2
PASSWORD = "violet-harbour-lantern-88"
EMAIL = "benchmark@example.com"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    env.update(
        {
            "EKESCO_INSTANCE_DIR": str(tmp),
            "RATELIMIT_ENABLED": "false",
            "SMS_BACKEND": "file",
            "EMAIL_BACKEND": "file",
            "PUSH_BACKEND": "file",
            "SMS_FILE": str(tmp / "sms.jsonl"),
            "EMAIL_FILE": str(tmp / "email.jsonl"),
            "PUSH_FILE": str(tmp / "push.jsonl"),
        }
    )
    return env


def _prepare_database(env: dict[str, str]) -> str:
    """Migrate and add one verified account (or reuse it); returns its password hash."""
    os.environ.update(env)
    import datetime as dt

    from flask_migrate import upgrade
    from sqlalchemy import select

    from ekesco_api import create_app
    from ekesco_api.accounts.models import STATUS_ACTIVE, Account
    from ekesco_api.extensions import db
    from ekesco_api.keys import email_key, identifier_key
    from ekesco_api.meters.models import SupplyPoint
    from ekesco_api.passwords import hash_password

    app = create_app()
    with app.app_context():
        upgrade()
        account = db.session.scalar(select(Account).where(Account.email_key == EMAIL))
        if account is None:
            supply_point = SupplyPoint(
                customer_code="BENCH 0000001",
                code_key=identifier_key("BENCH 0000001"),
                first_name="Bench",
                last_name="Mark",
                personal_number="1999999999",
                street="Rr. Testi 1",
                city="Prishtinë",
                locality="Prishtinë",
                neighbourhood="Qendra",
                category="household",
            )
            account = Account(
                supply_point=supply_point,
                first_name="Bench",
                last_name="Mark",
                email=EMAIL,
                email_key=email_key(EMAIL),
                phone="+38349999999",
                personal_number="1999999999",
                id_card_expiry=dt.date.today() + dt.timedelta(days=365),
                password_hash=hash_password(PASSWORD),
                status=STATUS_ACTIVE,
                name_matches_holder=True,
                verified_at=dt.datetime.now(dt.UTC),
            )
            db.session.add(account)
        account.password_hash = hash_password(PASSWORD)
        db.session.commit()
        password_hash = account.password_hash
        db.session.remove()
        db.engine.dispose()
    return password_hash


def _start_gunicorn(
    env: dict[str, str], port: int, log: Path, threads: int
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--log-level",
        "warning",
    ]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    command.append("wsgi:app")
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait_ready(base: str, server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            if httpx.get(base + "/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 30 s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)  # its own session: the master and both workers
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def _cpu_seconds_of_children(parent: int) -> float:
    """User+system CPU the processes below `parent` have used (Linux /proc; 0.0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:  # ppid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def _measure_logins(base: str, seconds: float, concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    payload = json.dumps({"username": EMAIL, "password": PASSWORD}).encode()
    headers = {"Content-Type": "application/json"}
    host, port = base.removeprefix("http://").split(":")

    def client_loop() -> None:
        nonlocal failures
        # http.client rather than httpx: the client shares the machine's CPUs with the
        # workers, so the lighter it is the less it skews what the workers can do.
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                connection.request("POST", "/api/v1/auth/login", body=payload, headers=headers)
                response = connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status == 200:
                        latencies.append(elapsed)
                    else:
                        failures += 1
        finally:
            connection.close()

    begun = time.perf_counter()
    cpu_start = time.process_time()
    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    wall = time.perf_counter() - begun
    return {
        "ok": len(latencies),
        "failed": failures,
        "wall": wall,
        "latencies": latencies,
        "client_cpu": time.process_time() - cpu_start,
    }


def _verify_for(args: tuple[str, float]) -> tuple[int, float]:
    password_hash, seconds = args
    from ekesco_api.passwords import verify_password

    count = 0
    cpu_start = time.process_time()
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        if not verify_password(password_hash, PASSWORD):
            raise RuntimeError("benchmark hash does not verify")
        count += 1
    return count, time.process_time() - cpu_start


def _measure_argon2(pool: Any, password_hash: str, seconds: float) -> tuple[int, float, float]:
    """(verifications, wall seconds, CPU seconds) of WORKERS processes hashing flat out."""
    begun = time.perf_counter()
    results = pool.map(_verify_for, [(password_hash, seconds)] * WORKERS)
    wall = time.perf_counter() - begun
    return sum(n for n, _ in results), wall, sum(cpu for _, cpu in results)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each phase")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two phases")
    parser.add_argument(
        "--concurrency", type=int, default=2 * WORKERS, help="client threads (bounded)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (>1: gthread workers, which overlap one request's "
        "database wait with another's hashing)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ekesco-bench-") as tmpdir:
        tmp = Path(tmpdir)
        env = _environment(tmp)
        password_hash = _prepare_database(env)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _start_gunicorn(env, port, tmp / "gunicorn.log", args.threads)
        context = multiprocessing.get_context("spawn")
        try:
            _wait_ready(base, server)
            _measure_logins(base, 1.5, args.concurrency)  # warm-up: imports, connections
            logins: list[dict[str, Any]] = []
            hashes: list[tuple[int, float, float]] = []
            with context.Pool(WORKERS) as pool:
                pool.map(_verify_for, [(password_hash, 0.5)] * WORKERS)  # warm-up
                for _ in range(args.rounds):
                    hashes.append(_measure_argon2(pool, password_hash, args.seconds))
                    cpu_before = _cpu_seconds_of_children(server.pid)
                    run = _measure_logins(base, args.seconds, args.concurrency)
                    run["server_cpu"] = _cpu_seconds_of_children(server.pid) - cpu_before
                    logins.append(run)
        finally:
            _stop(server)
            log = (tmp / "gunicorn.log").read_text(errors="replace").strip()

    latencies = [x for run in logins for x in run["latencies"]]
    ok = sum(run["ok"] for run in logins)
    failed = sum(run["failed"] for run in logins)
    login_rate = ok / sum(run["wall"] for run in logins)
    verifications = sum(n for n, _, _ in hashes)
    argon2_rate = verifications / sum(t for _, t, _ in hashes)
    ratio = login_rate / argon2_rate
    # CPU per operation does not depend on what else the machine runs, unlike the rates.
    argon2_cpu = sum(c for _, _, c in hashes) / max(verifications, 1)
    login_cpu = sum(run["server_cpu"] for run in logins) / max(ok, 1)
    client_cpu = sum(run["client_cpu"] for run in logins) / max(ok + failed, 1)
    database = env["DATABASE_URL"].split(":", 1)[0]
    workers = f"{WORKERS} workers" + (f" x {args.threads} threads" if args.threads > 1 else "")
    print(f"login under gunicorn ({workers}, {database}, {args.concurrency} clients):")
    if latencies:
        print(
            f"  {login_rate:7.1f} req/s   p50 {statistics.median(latencies) * 1000:6.1f} ms"
            f"   p99 {_percentile(latencies, 0.99) * 1000:6.1f} ms   ({ok} ok, {failed} failed)"
        )
    print(f"argon2id verify alone ({WORKERS} processes):")
    print(f"  {argon2_rate:7.1f} verifications/s")
    if login_cpu:
        print(
            f"CPU per operation: argon2 verify {argon2_cpu * 1000:.1f} ms, login in the worker "
            f"{login_cpu * 1000:.1f} ms (argon2 is {argon2_cpu / login_cpu:.1%} of it), "
            f"client {client_cpu * 1000:.1f} ms"
        )
    verdict = "meets" if ratio >= 0.9 else "BELOW"
    print(f"login / argon2 = {ratio:.1%}  ({verdict} the 90 % target)")
    if failed:
        print("gunicorn log:\n" + log[-2000:])
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
