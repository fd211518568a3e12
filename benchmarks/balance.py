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
does not queue. At 32 connections on 2 sync workers, queueing alone makes the median about
32 / throughput (Little's law): a p99 under 50 ms there needs some 800 requests per second or
more. Targets (issue 3): /balance at >= 25 % of /healthz throughput (aim: 35 %) with p99 under
50 ms, loaded and light, and <= 3 SQL queries.
Everything it starts it stops, also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING

import harness

if TYPE_CHECKING:
    from flask import Flask

WORKERS = 2
METERS = 10
MONTHS = 24


@dataclass
class Fixture:
    token: str
    meter_id: int
    statements: dict[str, int]


def _prepare_database(env: dict[str, str]) -> Fixture:
    """Migrate, add the 10-meter account (or reuse it), issue a token, count statements."""
    with harness.migrated_app(env) as app:
        return _generate(app)


def _generate(app: Flask) -> Fixture:
    # Imported here, not at the top: ekesco_api reads the environment migrated_app() sets.
    import datetime as dt
    from decimal import Decimal

    from sqlalchemy import event, select

    from ekesco_api.accounts.models import Account
    from ekesco_api.auth.tokens import issue_token_pair
    from ekesco_api.bills.models import Bill
    from ekesco_api.cis_import.models import ImportRun
    from ekesco_api.extensions import db
    from ekesco_api.keys import identifier_key
    from ekesco_api.meters import service as meter_service
    from ekesco_api.meters.models import Meter
    from ekesco_api.payments.models import CisPayment

    email = "balance-bench@example.com"
    session = db.session()
    account = session.scalar(select(Account).where(Account.email_key == email))
    if account is None:
        points = []
        for n in range(METERS):
            code = f"BENCH {n + 1:07d}"
            point = harness.supply_point(code, street=f"Rr. Testi {n + 1}", personal_number=None)
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
        account = harness.verified_account(
            points[0],
            email=email,
            phone="+38349999998",
            personal_number="1999999998",
            name_matches_holder=False,
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
    return Fixture(pair["access_token"], meter_id, statements)


def _paths(meter_id: int) -> dict[str, str]:
    return {
        "/healthz": "/healthz",
        "/balance": "/api/v1/balance",
        "/meters/{id}/bills": f"/api/v1/meters/{meter_id}/bills",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over the three endpoints")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=8, help="client threads without wrk")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn sync workers")
    parser.add_argument("--tool", choices=harness.TOOLS, default=harness.default_tool())
    args = parser.parse_args()

    with harness.scratch_directory() as tmp:
        env = harness.environment(tmp)
        fixture = _prepare_database(env)
        paths = _paths(fixture.meter_id)
        auth = {"Authorization": f"Bearer {fixture.token}"}
        with harness.gunicorn(env, tmp, workers=args.workers, backlog=256) as server:

            def measure(
                name: str, path: str, seconds: float, clients: int | None = None
            ) -> harness.Result:
                url, headers = server.base + path, ({} if name == "/healthz" else auth)
                if args.tool == "wrk":
                    return harness.measure_wrk(url, headers, seconds, clients or args.connections)
                connect = harness.httpx_get(url, headers)
                return harness.measure_threads(clients or args.threads, seconds, connect)

            results = harness.measure_in_turn(
                paths, measure, seconds=args.seconds, rounds=args.rounds, warm_up=2
            )
            light = harness.measure_in_turn(
                paths,
                lambda name, path, seconds: measure(name, path, seconds, args.workers),
                seconds=args.seconds,
                rounds=1,
            )
        log = server.log_text()

    load = harness.load_description(args.tool, args.connections, args.threads)
    print(
        f"gunicorn, {args.workers} sync workers, {harness.database_name(env)}; {load}; "
        f"{args.rounds} x {args.seconds:g} s per endpoint; "
        f"account with {METERS} meters x {MONTHS} bills"
    )
    healthz = results["/healthz"].rate
    print(harness.table_header(20) + f" {'SQL queries':>12}")
    for name, result in results.items():
        sql = "" if name == "/healthz" else str(fixture.statements[name])
        print(harness.table_row(name, result, healthz, 20) + f" {sql:>12}")
    print(f"light load, {args.workers} connection(s), no queueing:")
    for name, result in light.items():
        print(harness.table_row(name, result, light["/healthz"].rate, 20))
    balance, ratio = results["/balance"], results["/balance"].rate / healthz
    checks = {
        f"{ratio:.1%} of /healthz (>= 25 %, aim 35 %)": ratio >= 0.25,
        f"p99 {balance.p99():.1f} ms loaded, {light['/balance'].p99():.1f} ms light (< 50 ms)": (
            balance.p99() < 50.0 and light["/balance"].p99() < 50.0
        ),
        f"{fixture.statements['/balance']} SQL queries (<= 3)": fixture.statements["/balance"] <= 3,
    }
    verdict = "meets" if all(checks.values()) else "MISSES"
    print(f"GET /balance {verdict} the target: " + "; ".join(checks))
    failed = sum(result.failed for result in (*results.values(), *light.values()))
    if failed:
        print(f"{failed} requests failed; gunicorn log:\n" + log[-2000:])
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
