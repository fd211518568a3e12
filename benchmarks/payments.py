"""POST /payments (new intents, each with its own Idempotency-Key) beside GET /healthz, one run.

Usage: .venv/bin/python benchmarks/payments.py [--seconds 8] [--rounds 2] [--connections 16]
       [--tool wrk|threads]. Uses SQLite in a temporary directory unless DATABASE_URL is set
       (then that database is migrated and the benchmark account is added to it).

Creates one account with one meter, issues its token, starts `gunicorn wsgi:app` on 127.0.0.1
with 2 sync workers (rate limits off, the simulated bank), and measures the two endpoints in
turn, round after round, so that background load hits them alike. Every POST is a new payment
(a fresh key: the write path, not the replay). The load comes from wrk (2 threads, a Lua script
numbering the keys) when installed, or else from a bounded pool of Python client threads.
Prints requests per second, p50 and p99 per endpoint and the ratio to /healthz. Everything it
starts it stops, also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
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
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORKERS = 2
EMAIL = "payments-bench@example.com"


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
            "PAYMENT_GATEWAY": "simulated",
            "SMS_BACKEND": "file",
            "EMAIL_BACKEND": "file",
            "PUSH_BACKEND": "file",
            "SMS_FILE": str(tmp / "sms.jsonl"),
            "EMAIL_FILE": str(tmp / "email.jsonl"),
            "PUSH_FILE": str(tmp / "push.jsonl"),
        }
    )
    return env


def _prepare_database(env: dict[str, str]) -> tuple[str, int]:
    """Migrate, add the account with one meter (or reuse it); its token and meter id."""
    os.environ.update(env)
    import datetime as dt

    from flask_migrate import upgrade
    from sqlalchemy import select

    from ekesco_api import create_app
    from ekesco_api.accounts.models import STATUS_ACTIVE, Account
    from ekesco_api.auth.tokens import issue_token_pair
    from ekesco_api.extensions import db
    from ekesco_api.keys import email_key, identifier_key
    from ekesco_api.meters.models import Meter, SupplyPoint

    app = create_app()
    with app.app_context():
        upgrade()
        session = db.session()
        account = session.scalar(select(Account).where(Account.email_key == email_key(EMAIL)))
        if account is None:
            code = "BENCH 7000001"
            point = SupplyPoint(
                customer_code=code,
                code_key=identifier_key(code),
                first_name="Bench",
                last_name="Mark",
                personal_number=None,
                street="Rr. Testi 1",
                city="Prishtinë",
                locality="Prishtinë",
                neighbourhood="Qendra",
                category="household",
            )
            point.meters.append(
                Meter(
                    meter_number="BP00000001",
                    number_key=identifier_key("BP00000001"),
                    reading_mode="remote",
                    tariff_type="dual",
                )
            )
            session.add(point)
            session.flush()
            account = Account(
                supply_point=point,
                first_name="Bench",
                last_name="Mark",
                email=EMAIL,
                email_key=email_key(EMAIL),
                phone="+38349999997",
                personal_number="1999999997",
                id_card_expiry=dt.date.today() + dt.timedelta(days=365),
                password_hash="-",  # never logs in: the token is issued directly
                status=STATUS_ACTIVE,
                name_matches_holder=True,
                verified_at=dt.datetime.now(dt.UTC),
            )
            session.add(account)
            session.commit()
        meter_id = session.scalar(
            select(Meter.id).where(Meter.supply_point_id == account.supply_point_id)
        )
        pair = issue_token_pair(session, account=account)
        session.commit()
        db.session.remove()
        db.engine.dispose()
    assert meter_id is not None
    return pair["access_token"], meter_id


def _start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
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


# wrk: each thread numbers its own keys, so that every POST is a new payment.
_LUA = """
local counter = 0
local prefix = ""
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("prefix", "%(run)s-" .. threads)
end
function init(args)
  prefix = wrk.thread:get("prefix")
end
function request()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = prefix .. "-" .. counter
  return wrk.format("POST", nil, nil, %(body)s)
end
"""

_WRK_RATE = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", re.M)
_WRK_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)", re.M)
_WRK_FAILED = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _measure_wrk(
    url: str, headers: dict[str, str], seconds: float, connections: int, script: Path | None
) -> Result:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(1, round(seconds))}s"]
    command.append("--latency")
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
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


def _measure_threads(
    url: str, headers: dict[str, str], seconds: float, threads: int, body: bytes | None
) -> Result:
    result = Result()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client_loop() -> None:
        with httpx.Client(headers=headers, timeout=10.0) as client:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                if body is None:
                    response = client.get(url)
                else:
                    key = {"Idempotency-Key": uuid.uuid4().hex}
                    response = client.post(url, content=body, headers=key)
                elapsed = (time.perf_counter() - started) * 1000.0
                with lock:
                    if response.status_code in (200, 201):
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
    parser.add_argument("--rounds", type=int, default=2, help="rounds over the two endpoints")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=8, help="client threads without wrk")
    parser.add_argument(
        "--tool", choices=("wrk", "threads"), default="wrk" if shutil.which("wrk") else "threads"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ekesco-bench-") as tmpdir:
        tmp = Path(tmpdir)
        env = _environment(tmp)
        token, meter_id = _prepare_database(env)
        body = json.dumps({"items": [{"meter_id": meter_id, "amount": "28.88"}]})
        script = tmp / "payments.lua"
        script.write_text(
            _LUA % {"run": uuid.uuid4().hex[:8], "body": json.dumps(body)}, encoding="utf-8"
        )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = _start_gunicorn(env, port, tmp / "gunicorn.log")
        endpoints = {"GET /healthz": "/healthz", "POST /payments": "/api/v1/payments"}
        results = {name: Result() for name in endpoints}
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def measure(name: str, path: str, seconds: float) -> Result:
            post = name.startswith("POST")
            headers = auth if post else {}
            if args.tool == "wrk":
                return _measure_wrk(
                    base + path, headers, seconds, args.connections, script if post else None
                )
            return _measure_threads(
                base + path, headers, seconds, args.threads, body.encode() if post else None
            )

        try:
            _wait_ready(base, server)
            for name, path in endpoints.items():
                measure(name, path, 2)  # warm-up: imports, connections, caches
            for _ in range(args.rounds):
                for name, path in endpoints.items():
                    _merge(results[name], measure(name, path, args.seconds))
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
        f"gunicorn, {WORKERS} sync workers, {database}; {load}; "
        f"{args.rounds} x {args.seconds:g} s per endpoint; every POST a new payment"
    )
    healthz = results["GET /healthz"].rate
    print(f"  {'endpoint':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs healthz':>11}")
    for name, result in results.items():
        print(
            f"  {name:<16} {result.rate:8.1f} {result.p50():8.2f} {result.p99():8.2f}"
            f" {result.rate / healthz:10.1%}"
        )
    failed = sum(result.failed for result in results.values())
    if failed:
        print(f"{failed} requests failed; gunicorn log:\n" + log[-2000:])
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
