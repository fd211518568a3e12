"""One side of `ab.py`: the app of one checkout, in-process, answering blocks of requests.

Run by ab.py as `python ab_worker.py CHECKOUT`, with the database in DATABASE_URL. It reads
commands on stdin (`run<TAB>ENDPOINT<TAB>N`, one a line) and answers each with one JSON line: what N
requests cost this process (CPU), the PostgreSQL backends serving it (CPU, read from /proc:
the database shares the machine), the wall clock, and the statements SQLAlchemy sent.
Requests go straight to the WSGI callable, as gunicorn calls it, with environs built before
the clock starts; the access log is written to /dev/null.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHECKOUT = Path(sys.argv[1]).resolve()
TAG = f"ab-{os.getpid()}"
os.environ["PGAPPNAME"] = TAG  # libpq names our backends, so that /proc gives their CPU
sys.path.insert(0, str(CHECKOUT))
os.chdir(CHECKOUT)
TICK = os.sysconf("SC_CLK_TCK")


def main() -> None:
    # The access log and the warnings go where gunicorn's would not slow a benchmark: nowhere.
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)

    from werkzeug.test import EnvironBuilder

    from ekesco_api import create_app

    app = create_app()
    statements = [0]
    with app.app_context():
        from sqlalchemy import event

        from ekesco_api.extensions import db

        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda *_a: statements.__setitem__(0, statements[0] + 1),
        )
        fixture = _fixture(app)
        db.session.remove()

    def environ(name: str) -> dict[str, Any]:
        method, path, headers, body = fixture.request(name)
        return EnvironBuilder(
            path=path, method=method, headers=headers, data=body, environ_base={}
        ).get_environ()

    def call(env: dict[str, Any]) -> int:
        status: list[str] = []
        body = app(env, lambda s, _h, _e=None: status.append(s))
        try:
            data = b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()
        code = int(status[0].split()[0])
        fixture.answered(env, code, data)
        return code

    for line in sys.stdin:
        parts = line.rstrip("\n").split("\t")  # run, endpoint, count
        if len(parts) != 3:
            continue
        name, count = parts[1], int(parts[2])
        if parts[0] == "profile":  # pyinstrument's tree of N requests, to AB_PROFILE_DIR
            answers.write(json.dumps({"profile": _profile(name, count, environ, call)}) + "\n")
            continue
        envs = [environ(name) for _ in range(count)] if name != "POST /auth/refresh" else None
        backends = _backends()
        cpu0, pg0, n0 = time.process_time(), _cpu(backends), statements[0]
        wall0 = time.perf_counter()
        failed = 0
        for i in range(count):
            env = envs[i] if envs is not None else environ(name)
            if call(env) >= 400:
                failed += 1
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        backends |= _backends()
        pg = _cpu(backends) - pg0
        answers.write(
            json.dumps(
                {
                    "app_us": cpu / count * 1e6,
                    "pg_us": pg / count * 1e6,
                    "wall_us": wall / count * 1e6,
                    "statements": (statements[0] - n0) / count,
                    "failed": failed,
                }
            )
            + "\n"
        )


def _profile(name: str, count: int, environ: Any, call: Any) -> str:
    from pyinstrument import Profiler

    envs = [environ(name) for _ in range(count)] if name != "POST /auth/refresh" else None
    profiler = Profiler(interval=0.0001)
    profiler.start()
    for i in range(count):
        call(envs[i] if envs is not None else environ(name))
    profiler.stop()
    out = Path(os.environ.get("AB_PROFILE_DIR", "/tmp")) / (
        f"profile-{name.replace(' ', '_').replace('/', '_')}-{os.getpid()}.txt"
    )
    out.write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    return str(out)


def _backends() -> set[int]:
    import subprocess

    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc",
         f"SELECT pid FROM pg_stat_activity WHERE application_name = '{TAG}'"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return {int(p) for p in out.split()}


def _cpu(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


class Fixture:
    """Tokens and ids of the scale database: the 10-meter account, a payer, a refresh chain."""

    def __init__(self, access: str, meter_id: int, payer: str, payer_meter: int, refresh: str):
        self.access = access
        self.meter_id = meter_id
        self.payer = payer
        self.payer_meter = payer_meter
        self.refresh = refresh

    def request(self, name: str) -> tuple[str, str, dict[str, str], bytes | None]:
        auth = {"Authorization": f"Bearer {self.access}"}
        routes: dict[str, Callable[[], tuple[str, str, dict[str, str], bytes | None]]] = {
            "GET /healthz": lambda: ("GET", "/healthz", {}, None),
            "GET /balance": lambda: ("GET", "/api/v1/balance", auth, None),
            "GET /meters/{id}/bills": lambda: (
                "GET", f"/api/v1/meters/{self.meter_id}/bills", auth, None,
            ),
            "POST /auth/refresh": lambda: (
                "POST", "/api/v1/auth/refresh", {"Authorization": f"Bearer {self.refresh}"}, None,
            ),
            "POST /payments": lambda: (
                "POST",
                "/api/v1/payments",
                {
                    "Authorization": f"Bearer {self.payer}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": uuid.uuid4().hex,
                },
                json.dumps(
                    {"items": [{"meter_id": self.payer_meter, "amount": "28.88"}]}
                ).encode(),
            ),
        }  # fmt: skip
        return routes[name]()

    def answered(self, env: dict[str, Any], status: int, data: bytes) -> None:
        if env["PATH_INFO"].endswith("/auth/refresh") and status == 200:
            self.refresh = json.loads(data)["refresh_token"]  # the chain goes on
        elif status >= 400 and os.environ.get("AB_SHOW_ERRORS"):
            sys.__stdout__.write(f"{env['PATH_INFO']}: {status} {data[:300]!r}\n")


def _fixture(app: Any) -> Fixture:
    """Account 1 (10 meters) reads; account PAYER pays; a refresh chain of account 3."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import scale_data
    from sqlalchemy import select

    from ekesco_api.accounts.models import Account
    from ekesco_api.auth.tokens import issue_token_pair
    from ekesco_api.extensions import db
    from ekesco_api.meters.models import Meter

    session = db.session()

    def pair(number: int) -> tuple[str, str]:
        account = session.scalars(
            select(Account).where(Account.email_key == scale_data.email_of(number))
        ).one()
        tokens = issue_token_pair(session, account=account)
        session.commit()
        return tokens["access_token"], tokens["refresh_token"]

    access, _ = pair(1)
    meter_id = session.scalar(
        select(Meter.id)
        .join(Account, Account.supply_point_id == Meter.supply_point_id)
        .where(Account.email_key == scale_data.email_of(1))
    )
    payer_number = int(os.environ.get("AB_PAYER", "199000"))
    payer, _ = pair(payer_number)
    _, refresh = pair(3)
    return Fixture(access, int(meter_id or 0), payer, scale_data.own_meter(payer_number), refresh)


if __name__ == "__main__":
    main()
