"""GET /balance and GET /meters/{id}/bills under gunicorn, next to GET /healthz in the same run.

Usage: .venv/bin/python benchmarks/balance.py [--seconds 8] [--rounds 2] [--connections 32]
       [--tool wrk|threads]. Uses SQLite in a temporary directory unless DATABASE_URL is set
       (then that database is migrated and the benchmark account is added to it).

Generates one account with 10 meters on 10 customer codes, each with 24 monthly bills and 24
payments, starts `gunicorn wsgi:app` on 127.0.0.1 with 2 sync workers, and measures the three
endpoints in turn, round after round, so that background load hits them alike. The load comes
from wrk (2 threads, `--connections` connections) when it is installed, or else from a bounded
pool of Python client threads (slower: the client then shares the CPU and the GIL, so treat its
ratios as a lower bound). Prints requests per second, p50 and p99 per endpoint, the ratio of
each to /healthz, and the SQL queries each endpoint runs (counted in-process).

Then a light-load pass with one connection per worker gives the latency of a request that
does not queue: at 32 connections on 2 sync workers, queueing alone makes the median about
32 / throughput (Little's law), so a p99 under 50 ms there would need more requests per second
than /healthz itself serves. Targets (issue 3): /balance at >= 25 % of /healthz throughput
(loaded pass), p99 < 50 ms (light pass), <= 3 SQL queries.
Everything it starts it stops, also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORKERS = 2
METERS = 10
MONTHS = 24


@dataclass
class Result:
    requests: int = 0
    seconds: float = 0.0
    failed: int = 0
    latencies_ms: list[float] = field(default_factory=list)  # threads tool
    p50_ms: list[float] = field(default_factory=list)  # wrk: one per round
    p99_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def p50(self) -> float:
        if self.latencies_ms:
            return statistics.median(self.latencies_ms)
        return statistics.median(self.p50_ms)

    def p99(self) -> float:
        if self.latencies_ms:
            ordered = sorted(self.latencies_ms)
            return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        return max(self.p99_ms)


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


@dataclass
class Fixture:
    token: str
    meter_id: int
    statements: dict[str, int]


def _prepare_database(env: dict[str, str]) -> Fixture:
    """Migrate, add the 10-meter account (or reuse it), issue a token, count statements."""
    os.environ.update(env)
    import datetime as dt
    from decimal import Decimal

    from flask_migrate import upgrade
    from sqlalchemy import event, select

    from ekesco_api import create_app
    from ekesco_api.accounts.models import STATUS_ACTIVE, Account
    from ekesco_api.auth.tokens import issue_token_pair
    from ekesco_api.bills.models import Bill
    from ekesco_api.cis_import.models import ImportRun
    from ekesco_api.extensions import db
    from ekesco_api.keys import email_key, identifier_key
    from ekesco_api.meters import service as meter_service
    from ekesco_api.meters.models import Meter, SupplyPoint
    from ekesco_api.payments.models import CisPayment

    email = "balance-bench@example.com"
    app = create_app()
    with app.app_context():
        upgrade()
        session = db.session()
        account = session.scalar(select(Account).where(Account.email_key == email))
        if account is None:
            points = []
            for n in range(METERS):
                code = f"BENCH {n + 1:07d}"
                point = SupplyPoint(
                    customer_code=code,
                    code_key=identifier_key(code),
                    first_name="Bench",
                    last_name="Mark",
                    personal_number=None,
                    street=f"Rr. Testi {n + 1}",
                    city="Prishtinë",
                    locality="Prishtinë",
                    neighbourhood="Qendra",
                    category="household",
                )
                number = f"BM{n + 1:08d}"
                point.meters.append(
                    Meter(
                        meter_number=number,
                        number_key=identifier_key(number),
                        reading_mode="remote" if n % 2 == 0 else "manual",
                        tariff_type="dual",
                    )
                )
                session.add(point)
                session.flush()
                for month in range(MONTHS):
                    year, mon = 2024 + month // 12, month % 12 + 1
                    issued = dt.date(year + mon // 12, mon % 12 + 1, 5)
                    session.add(
                        Bill(
                            bill_number=f"BENCH-{n + 1}-{year}{mon:02d}",
                            supply_point_id=point.id,
                            period=f"{year}-{mon:02d}",
                            issued_on=issued,
                            due_on=issued + dt.timedelta(days=15),
                            kwh_high=Decimal("250.00"),
                            kwh_low=Decimal("120.00"),
                            energy_amount=Decimal("25.00"),
                            fixed_fee=Decimal("1.74"),
                            vat_amount=Decimal("2.14"),
                            previous_balance=Decimal("0.00"),
                            total=Decimal("28.88"),
                        )
                    )
                    session.add(
                        CisPayment(
                            reference=f"BENCH-{n + 1}-{year}{mon:02d}",
                            supply_point_id=point.id,
                            amount=Decimal("20.00"),
                            paid_at=dt.datetime.combine(
                                issued + dt.timedelta(days=3), dt.time(9), tzinfo=dt.UTC
                            ),
                            channel="bank",
                        )
                    )
                points.append(point)
            account = Account(
                supply_point=points[0],
                first_name="Bench",
                last_name="Mark",
                email=email,
                email_key=email_key(email),
                phone="+38349999998",
                personal_number="1999999998",
                id_card_expiry=dt.date.today() + dt.timedelta(days=365),
                password_hash="-",  # never logs in: the token is issued directly
                status=STATUS_ACTIVE,
                name_matches_holder=False,
                verified_at=dt.datetime.now(dt.UTC),
            )
            session.add(account)
            now = dt.datetime.now(dt.UTC)
            session.add(ImportRun(directory="bench", started_at=now, finished_at=now))
            session.commit()
            for point in points[1:]:
                meter_service.add_meter(
                    session,
                    account_id=account.id,
                    customer_code=point.customer_code,
                    meter_number=point.meters[0].meter_number,
                )
        pair = issue_token_pair(session, account=account)
        session.commit()
        meters = meter_service.list_meters(session, account_id=account.id)
        assert len(meters) == METERS, f"the account has {len(meters)} meters"
        meter_id = meters[0].id
        headers = {"Authorization": f"Bearer {pair['access_token']}"}
        session.close()

        statements: dict[str, int] = {}
        client = app.test_client()
        for name, path in _paths(meter_id).items():
            seen: list[str] = []

            def count(*args: object, seen: list[str] = seen) -> None:
                # Queries only: SQLite's explicit BEGIN IMMEDIATE (see db.py) is transaction
                # control, which psycopg sends to PostgreSQL unseen; counting it would make the
                # two databases disagree about the same code.
                if not str(args[2]).lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                    seen.append(str(args[2]))

            event.listen(db.engine, "before_cursor_execute", count)
            try:
                response = client.get(path, headers=headers)
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
            assert response.status_code == 200, (path, response.get_json())
            statements[name] = len(seen)
        db.session.remove()
        db.engine.dispose()
    return Fixture(pair["access_token"], meter_id, statements)


def _paths(meter_id: int) -> dict[str, str]:
    return {
        "/healthz": "/healthz",
        "/balance": "/api/v1/balance",
        "/meters/{id}/bills": f"/api/v1/meters/{meter_id}/bills",
    }


def _start_gunicorn(
    env: dict[str, str], port: int, log: Path, workers: int
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--backlog",
        "256",
        "--log-level",
        "warning",
        "wsgi:app",
    ]
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


_WRK_RATE = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", re.M)
_WRK_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)", re.M)
_WRK_FAILED = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _measure_wrk(url: str, headers: dict[str, str], seconds: float, connections: int) -> Result:
    duration = f"{max(1, round(seconds))}s"  # wrk takes whole seconds
    threads = str(min(2, connections))  # wrk wants at least one connection per thread
    command = ["wrk", "-t", threads, "-c", str(connections), "-d", duration, "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url], check=True, capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    rate = _WRK_RATE.search(output)
    if rate is None:
        raise RuntimeError("unexpected wrk output:\n" + output)
    percentiles = {m[0]: float(m[1]) * _UNITS[m[2]] for m in _WRK_PERCENTILE.findall(output)}
    failed = sum(int(n) for n in _WRK_FAILED.findall(output))
    errors = _WRK_ERRORS.search(output)
    if errors:
        # Sync workers close every connection: "read" errors are those closes, not failures.
        failed += int(errors[1]) + int(errors[4])
    return Result(
        requests=int(rate[1]),
        seconds=float(rate[2]) * _UNITS[rate[3]] / 1000.0,
        failed=failed,
        p50_ms=[percentiles["50"]],
        p99_ms=[percentiles["99"]],
    )


def _measure_threads(url: str, headers: dict[str, str], seconds: float, threads: int) -> Result:
    result = Result()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client_loop() -> None:
        with httpx.Client(headers=headers, timeout=10.0) as client:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000.0
                with lock:
                    if response.status_code == 200:
                        result.latencies_ms.append(elapsed)
                        result.requests += 1
                    else:
                        result.failed += 1

    begun = time.perf_counter()
    pool = [threading.Thread(target=client_loop, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=seconds + 30)
    result.seconds = time.perf_counter() - begun
    return result


def _merge(total: Result, part: Result) -> None:
    total.requests += part.requests
    total.seconds += part.seconds
    total.failed += part.failed
    total.latencies_ms += part.latencies_ms
    total.p50_ms += part.p50_ms
    total.p99_ms += part.p99_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over the three endpoints")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=8, help="client threads without wrk")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn sync workers")
    parser.add_argument(
        "--tool", choices=("wrk", "threads"), default="wrk" if shutil.which("wrk") else "threads"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ekesco-bench-") as tmpdir:
        tmp = Path(tmpdir)
        env = _environment(tmp)
        fixture = _prepare_database(env)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _start_gunicorn(env, port, tmp / "gunicorn.log", args.workers)
        results = {name: Result() for name in _paths(fixture.meter_id)}
        light = {name: Result() for name in _paths(fixture.meter_id)}
        auth = {"Authorization": f"Bearer {fixture.token}"}

        def measure(name: str, path: str, seconds: float, clients: int | None = None) -> Result:
            headers = {} if name == "/healthz" else auth
            if args.tool == "wrk":
                return _measure_wrk(base + path, headers, seconds, clients or args.connections)
            return _measure_threads(base + path, headers, seconds, clients or args.threads)

        try:
            _wait_ready(base, server)
            for name, path in _paths(fixture.meter_id).items():
                measure(name, path, 2)  # warm-up: imports, connections, caches
            for _ in range(args.rounds):
                for name, path in _paths(fixture.meter_id).items():
                    _merge(results[name], measure(name, path, args.seconds))
            for name, path in _paths(fixture.meter_id).items():
                _merge(light[name], measure(name, path, args.seconds, args.workers))
        finally:
            _stop(server)
            log = (tmp / "gunicorn.log").read_text(errors="replace").strip()

    database = env["DATABASE_URL"].split(":", 1)[0]
    load = (
        f"wrk, 2 threads, {args.connections} connections"
        if args.tool == "wrk"
        else f"{args.threads} Python client threads"
    )
    print(
        f"gunicorn, {args.workers} sync workers, {database}; {load}; "
        f"{args.rounds} x {args.seconds:g} s per endpoint; "
        f"account with {METERS} meters x {MONTHS} bills"
    )
    healthz = results["/healthz"].rate
    print(
        f"  {'endpoint':<20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs healthz':>11}"
        f" {'SQL queries':>12}"
    )
    for name, result in results.items():
        sql = "" if name == "/healthz" else str(fixture.statements[name])
        print(
            f"  {name:<20} {result.rate:8.1f} {result.p50():8.2f} {result.p99():8.2f}"
            f" {result.rate / healthz:10.1%} {sql:>12}"
        )
    print(f"light load, {args.workers} connection(s), no queueing:")
    for name, result in light.items():
        print(
            f"  {name:<20} {result.rate:8.1f} {result.p50():8.2f} {result.p99():8.2f}"
            f" {result.rate / light['/healthz'].rate:10.1%}"
        )
    balance = results["/balance"]
    ok = (
        balance.rate >= 0.25 * healthz
        and light["/balance"].p99() < 50.0
        and fixture.statements["/balance"] <= 3
    )
    print(
        "GET /balance "
        + ("meets" if ok else "MISSES")
        + " the target (>= 25 % of /healthz, p99 < 50 ms, <= 3 SQL queries)"
    )
    failed = sum(result.failed for result in (*results.values(), *light.values()))
    if failed:
        print(f"{failed} requests failed; gunicorn log:\n" + log[-2000:])
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
