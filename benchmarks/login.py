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
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import harness

if TYPE_CHECKING:
    from flask import Flask

WORKERS = 2
PASSWORD = "violet-harbour-lantern-88"
EMAIL = "benchmark@example.com"


def _prepare_database(env: dict[str, str]) -> str:
    """Migrate and add one verified account (or reuse it); returns its password hash."""
    with harness.migrated_app(env) as app:
        return _generate(app)


def _generate(app: Flask) -> str:
    # Imported here, not at the top: ekesco_api reads the environment migrated_app() sets.
    from sqlalchemy import select

    from ekesco_api.accounts.models import Account
    from ekesco_api.extensions import db
    from ekesco_api.passwords import hash_password

    account = db.session.scalar(select(Account).where(Account.email_key == EMAIL))
    if account is None:
        point = harness.supply_point(
            "BENCH 0000001", street="Rr. Testi 1", personal_number="1999999999"
        )
        account = harness.verified_account(
            point,
            email=EMAIL,
            phone="+38349999999",
            personal_number="1999999999",
            password_hash=hash_password(PASSWORD),
            name_matches_holder=True,
        )
        db.session.add(account)
    account.password_hash = hash_password(PASSWORD)
    db.session.commit()
    return account.password_hash


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


def _login_connection(base: str) -> Callable[[], AbstractContextManager[harness.Send]]:
    """A `connect` for harness.measure_threads: logins on one keep-alive connection."""
    payload = json.dumps({"username": EMAIL, "password": PASSWORD}).encode()
    headers = {"Content-Type": "application/json"}
    host, port = base.removeprefix("http://").split(":")

    @contextmanager
    def connect() -> Iterator[harness.Send]:
        # http.client rather than httpx: the client shares the machine's CPUs with the
        # workers, so the lighter it is the less it skews what the workers can do.
        connection = http.client.HTTPConnection(host, int(port), timeout=10)

        def send() -> int:
            connection.request("POST", "/api/v1/auth/login", body=payload, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status

        try:
            yield send
        finally:
            connection.close()

    return connect


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

    with harness.scratch_directory() as tmp:
        env = harness.environment(tmp)
        password_hash = _prepare_database(env)
        logins = harness.Result()
        server_cpu = client_cpu = 0.0
        hashes: list[tuple[int, float, float]] = []
        context = multiprocessing.get_context("spawn")
        with harness.gunicorn(env, tmp, workers=WORKERS, threads=args.threads) as server:
            connect = _login_connection(server.base)
            harness.measure_threads(args.concurrency, 1.5, connect)  # warm-up: imports, connections
            with context.Pool(WORKERS) as pool:
                pool.map(_verify_for, [(password_hash, 0.5)] * WORKERS)  # warm-up
                for _ in range(args.rounds):
                    hashes.append(_measure_argon2(pool, password_hash, args.seconds))
                    server_before = _cpu_seconds_of_children(server.process.pid)
                    client_before = time.process_time()
                    logins.add(harness.measure_threads(args.concurrency, args.seconds, connect))
                    client_cpu += time.process_time() - client_before
                    server_cpu += _cpu_seconds_of_children(server.process.pid) - server_before
        log = server.log_text()

    ok, failed = logins.requests, logins.failed
    login_rate = logins.rate
    verifications = sum(n for n, _, _ in hashes)
    argon2_rate = verifications / sum(t for _, t, _ in hashes)
    ratio = login_rate / argon2_rate
    # CPU per operation does not depend on what else the machine runs, unlike the rates.
    argon2_cpu = sum(c for _, _, c in hashes) / max(verifications, 1)
    login_cpu = server_cpu / max(ok, 1)
    client_cpu /= max(ok + failed, 1)
    database = harness.database_name(env)
    workers = f"{WORKERS} workers" + (f" x {args.threads} threads" if args.threads > 1 else "")
    print(f"login under gunicorn ({workers}, {database}, {args.concurrency} clients):")
    if logins.latencies_ms:
        print(
            f"  {login_rate:7.1f} req/s   p50 {logins.p50():6.1f} ms"
            f"   p99 {logins.p99():6.1f} ms   ({ok} ok, {failed} failed)"
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
