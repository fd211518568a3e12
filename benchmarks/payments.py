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
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

import harness
import httpx

if TYPE_CHECKING:
    from flask import Flask

WORKERS = 2
EMAIL = "payments-bench@example.com"


def _prepare_database(env: dict[str, str]) -> tuple[str, int]:
    """Migrate, add the account with one meter (or reuse it); its token and meter id."""
    with harness.migrated_app(env) as app:
        return _generate(app)


def _generate(app: Flask) -> tuple[str, int]:
    # Imported here, not at the top: ekesco_api reads the environment migrated_app() sets.
    from sqlalchemy import select

    from ekesco_api.accounts.models import Account
    from ekesco_api.auth.tokens import issue_token_pair
    from ekesco_api.extensions import db
    from ekesco_api.keys import email_key, identifier_key
    from ekesco_api.meters.models import Meter

    session = db.session()
    account = session.scalar(select(Account).where(Account.email_key == email_key(EMAIL)))
    if account is None:
        point = harness.supply_point("BENCH 7000001", street="Rr. Testi 1", personal_number=None)
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
        account = harness.verified_account(
            point,
            email=EMAIL,
            phone="+38349999997",
            personal_number="1999999997",
            name_matches_holder=True,
        )
        session.add(account)
        session.commit()
    meter_id = session.scalar(
        select(Meter.id).where(Meter.supply_point_id == account.supply_point_id)
    )
    pair = issue_token_pair(session, account=account)
    session.commit()
    assert meter_id is not None
    return pair["access_token"], meter_id


def _post_new_payments(
    url: str, headers: dict[str, str], body: bytes
) -> Callable[[], AbstractContextManager[harness.Send]]:
    """A `connect` for harness.measure_threads: POSTs, each with a fresh Idempotency-Key."""

    @contextmanager
    def connect() -> Iterator[harness.Send]:
        with httpx.Client(headers=headers, timeout=10.0) as client:

            def send() -> int:
                key = {"Idempotency-Key": uuid.uuid4().hex}
                return client.post(url, content=body, headers=key).status_code

            yield send

    return connect


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over the two endpoints")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=8, help="client threads without wrk")
    parser.add_argument("--tool", choices=harness.TOOLS, default=harness.default_tool())
    args = parser.parse_args()

    with harness.scratch_directory() as tmp:
        env = harness.environment(tmp, PAYMENT_GATEWAY="simulated")
        token, meter_id = _prepare_database(env)
        body = json.dumps({"items": [{"meter_id": meter_id, "amount": "28.88"}]})
        endpoints = {"GET /healthz": "/healthz", "POST /payments": "/api/v1/payments"}
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        with harness.gunicorn(env, tmp, workers=WORKERS, backlog=256) as server:

            def measure(name: str, path: str, seconds: float) -> harness.Result:
                post = name.startswith("POST")
                url, headers = server.base + path, (auth if post else {})
                if args.tool == "wrk":
                    # Each run its own keys: the warm-up's sent again would be replays.
                    lua = harness.new_payments_script(tmp / "payments.lua", body) if post else None
                    return harness.measure_wrk(url, headers, seconds, args.connections, lua)
                if post:
                    connect = _post_new_payments(url, headers, body.encode())
                else:
                    connect = harness.httpx_get(url, headers)
                return harness.measure_threads(args.threads, seconds, connect, ok=(200, 201))

            results = harness.measure_in_turn(
                endpoints, measure, seconds=args.seconds, rounds=args.rounds, warm_up=2
            )
        log = server.log_text()

    load = harness.load_description(args.tool, args.connections, args.threads)
    print(
        f"gunicorn, {WORKERS} sync workers, {harness.database_name(env)}; {load}; "
        f"{args.rounds} x {args.seconds:g} s per endpoint; every POST a new payment"
    )
    healthz = results["GET /healthz"].rate
    print(harness.table_header(16))
    for name, result in results.items():
        print(harness.table_row(name, result, healthz, 16))
    failed = sum(result.failed for result in results.values())
    if failed:
        print(f"{failed} requests failed; gunicorn log:\n" + log[-2000:])
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
