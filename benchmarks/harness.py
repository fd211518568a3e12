"""What the gunicorn benchmarks share: a scratch database, the server, the load, the tables.

The scripts beside it (login.py, balance.py, payments.py) keep only what is their own: the data
they generate, the endpoints they hit, their targets and verdicts. Everything here exists so that
the three measure the same way, and a fix to how one starts, loads or stops a server reaches all.
"""

from __future__ import annotations

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
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from flask import Flask

    from ekesco_api.accounts.models import Account
    from ekesco_api.meters.models import SupplyPoint

ROOT = Path(__file__).resolve().parents[1]
# The scripts run as files (`python benchmarks/x.py`), so the project is not on the path by itself.
sys.path.insert(0, str(ROOT))

TOOLS = ("wrk", "threads")


def default_tool() -> str:
    """wrk when installed: a Python client shares the CPU and the GIL with what it measures."""
    return "wrk" if shutil.which("wrk") else "threads"


# --- the scratch environment and database ---------------------------------------------------


@contextmanager
def scratch_directory() -> Iterator[Path]:
    """A temporary directory for the SQLite file, the outbox files and the server log."""
    with tempfile.TemporaryDirectory(prefix="ekesco-bench-") as tmpdir:
        yield Path(tmpdir)


def environment(tmp: Path, **extra: str) -> dict[str, str]:
    """The server's environment: SQLite in `tmp` unless DATABASE_URL is set, file backends, no
    rate limits (a benchmark would measure only the limiter), plus the script's own `extra`."""
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
            **extra,
        }
    )
    return env


def database_name(env: Mapping[str, str]) -> str:
    """The database's dialect ("sqlite", "postgresql+psycopg") for the report's first line."""
    return env["DATABASE_URL"].split(":", 1)[0]


@contextmanager
def migrated_app(env: Mapping[str, str]) -> Iterator[Flask]:
    """The app on `env`'s database, migrated to head, inside its app context.

    The connections are closed on the way out: gunicorn's workers must not share them, and a
    PostgreSQL database should not be left with idle sessions of ours."""
    os.environ.update(env)  # create_app() reads its configuration from the environment
    from flask_migrate import upgrade

    from ekesco_api import create_app
    from ekesco_api.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def supply_point(code: str, *, street: str, personal_number: str | None) -> SupplyPoint:
    """A household supply point of the imaginary holder "Bench Mark" in Prishtinë."""
    from ekesco_api.keys import identifier_key
    from ekesco_api.meters.models import SupplyPoint

    return SupplyPoint(
        customer_code=code,
        code_key=identifier_key(code),
        first_name="Bench",
        last_name="Mark",
        personal_number=personal_number,
        street=street,
        city="Prishtinë",
        locality="Prishtinë",
        neighbourhood="Qendra",
        category="household",
    )


def verified_account(
    point: SupplyPoint,
    *,
    email: str,
    phone: str,
    personal_number: str,
    name_matches_holder: bool,
    password_hash: str = "-",
) -> Account:
    """An active, verified account of "Bench Mark" on `point`, as registration leaves one.

    Without a `password_hash` it cannot log in: the scripts that do not measure logins issue
    its token directly, and spare themselves an argon2 hash."""
    import datetime as dt

    from ekesco_api.accounts.models import STATUS_ACTIVE, Account
    from ekesco_api.keys import email_key

    return Account(
        supply_point=point,
        first_name="Bench",
        last_name="Mark",
        email=email,
        email_key=email_key(email),
        phone=phone,
        personal_number=personal_number,
        id_card_expiry=dt.date.today() + dt.timedelta(days=365),
        password_hash=password_hash,
        status=STATUS_ACTIVE,
        name_matches_holder=name_matches_holder,
        verified_at=dt.datetime.now(dt.UTC),
    )


# --- the server -----------------------------------------------------------------------------


def free_port() -> int:
    """A port nobody listens on, so that runs side by side do not collide."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running gunicorn: its process (the leader of its own session) and where it listens."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def log_text(self) -> str:
        """What gunicorn wrote, for the report when requests failed."""
        return self.log.read_text(errors="replace").strip()


@contextmanager
def gunicorn(
    env: Mapping[str, str],
    tmp: Path,
    *,
    workers: int,
    threads: int = 1,
    backlog: int | None = None,
) -> Iterator[Server]:
    """`gunicorn wsgi:app` on 127.0.0.1, ready to answer, and stopped again on the way out,
    whether the block ends, fails or is interrupted with Ctrl-C."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]
    if backlog is not None:
        command += ["--backlog", str(backlog)]
    command += ["--log-level", "warning"]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    command.append("wsgi:app")
    log = tmp / "gunicorn.log"
    with log.open("wb") as out:
        # A session of its own: Ctrl-C in the terminal reaches only us, and stop() can end
        # the master and every worker with one signal to the group.
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_ready(server)
        yield server
    finally:
        stop(server.process)


def wait_ready(server: Server, timeout: float = 30.0) -> None:
    """Returns once /healthz answers 200; fails early if gunicorn dies while starting."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            if httpx.get(server.base + "/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout:g} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ends the master and its workers (SIGTERM, then SIGKILL after 10 s) and reaps them."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --- results --------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: a value that was measured, not one interpolated."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Result:
    """One endpoint's figures, summed over rounds; latencies in ms.

    The thread clients keep every latency; wrk reports only its percentiles, one per run, so
    those are kept per run and combined (median of the medians, worst p99)."""

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
            return percentile(self.latencies_ms, 0.99)
        return max(self.p99_ms)

    def add(self, part: Result) -> None:
        """Folds another run of the same endpoint into this one."""
        self.requests += part.requests
        self.seconds += part.seconds
        self.failed += part.failed
        self.latencies_ms += part.latencies_ms
        self.p50_ms += part.p50_ms
        self.p99_ms += part.p99_ms


# --- load -----------------------------------------------------------------------------------

_WRK_RATE = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)", re.M)
_WRK_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)", re.M)
_WRK_FAILED = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def measure_wrk(
    url: str,
    headers: Mapping[str, str],
    seconds: float,
    connections: int,
    script: Path | None = None,
) -> Result:
    """One wrk run (2 threads, `connections` connections, optionally a Lua `script`)."""
    duration = f"{max(1, round(seconds))}s"  # wrk takes whole seconds
    threads = str(min(2, connections))  # wrk wants at least one connection per thread
    command = ["wrk", "-t", threads, "-c", str(connections), "-d", duration, "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, url], check=True, capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> Result:
    """The figures of wrk's `--latency` report."""
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


# wrk: each thread numbers its own keys from 1, under the script's run id, so that every POST
# is a new payment as long as each wrk run gets a script of its own (`new_payments_script`).
PAYMENTS_LUA = """
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


def new_payments_script(path: Path, body: str) -> Path:
    """A wrk Lua script at `path` POSTing `body` (JSON text), each time with a new key.

    Write one for every wrk run: a script run twice sends its keys again, and a key seen
    before is a replay (the payment written, the key's INSERT failing, a rollback and the
    stored answer read), which costs half as much again as a new payment.
    """
    import json
    import uuid

    path.write_text(
        PAYMENTS_LUA % {"run": uuid.uuid4().hex[:8], "body": json.dumps(body)}, encoding="utf-8"
    )
    return path


Send = Callable[[], int]
"""Sends one request on a thread's own connection and returns the response's status."""


def measure_threads(
    threads: int,
    seconds: float,
    connect: Callable[[], AbstractContextManager[Send]],
    ok: Collection[int] = (200,),
) -> Result:
    """`threads` client threads sending one request after another for `seconds`.

    Bounded on purpose: a fixed number of clients, each waiting for its answer, measures what
    the server sustains instead of how long its queue grows. Each thread opens its own
    connection through `connect`, so that the script decides the client and the request."""
    result = Result()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client_loop() -> None:
        with connect() as send:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                status = send()
                elapsed = (time.perf_counter() - started) * 1000.0
                with lock:
                    if status in ok:
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


def httpx_get(url: str, headers: Mapping[str, str]) -> Callable[[], AbstractContextManager[Send]]:
    """A `connect` for measure_threads: GET `url` on one httpx connection per thread."""

    @contextmanager
    def connect() -> Iterator[Send]:
        with httpx.Client(headers=dict(headers), timeout=10.0) as client:
            yield lambda: client.get(url).status_code

    return connect


def measure_in_turn(
    endpoints: Mapping[str, str],
    measure: Callable[[str, str, float], Result],
    *,
    seconds: float,
    rounds: int,
    warm_up: float = 0.0,
) -> dict[str, Result]:
    """Each endpoint in turn, round after round, so that background load hits them alike.

    A warm-up run of each first (imports, connections, caches) is measured and thrown away."""
    if warm_up:
        for name, path in endpoints.items():
            measure(name, path, warm_up)
    results = {name: Result() for name in endpoints}
    for _ in range(rounds):
        for name, path in endpoints.items():
            results[name].add(measure(name, path, seconds))
    return results


# --- the report -----------------------------------------------------------------------------


def load_description(tool: str, connections: int, threads: int) -> str:
    """What generated the load, for the report's first line."""
    if tool == "wrk":
        return f"wrk, 2 threads, {connections} connections"
    return f"{threads} Python client threads"


def table_header(width: int) -> str:
    """The column titles of table_row(), `width` wide for the endpoint names."""
    return f"  {'endpoint':<{width}} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs healthz':>11}"


def table_row(name: str, result: Result, healthz: float, width: int) -> str:
    """One endpoint: req/s, p50, p99, and its rate against /healthz's in the same run."""
    return (
        f"  {name:<{width}} {result.rate:8.1f} {result.p50():8.2f} {result.p99():8.2f}"
        f" {result.rate / healthz:10.1%}"
    )
