"""The service at the supplier's real size: 600,000 supply points on PostgreSQL, end to end.

Usage: .venv/bin/python benchmarks/scale.py [--supply-points 600000] [--accounts 200000]
       [--database ekesco_scale] [--fresh] [--workers 4] [--threads 1] [--seconds 8]
       [--rounds 2] [--mix-seconds 60] [--users 48] [--skip-import] [--skip-mix]
       (`make bench-scale` runs it with the defaults; try `--supply-points 60000` first.)

1. The dataset: `ekesco demo-data` writes the CIS export (12 months of bills, 7 days of remote
   reads) to instance/scale-export-<N>/, once per size (a stamp says it is complete).
2. The nightly import: with --fresh the database is dropped and migrated first; then `ekesco
   import` twice, each timed with its peak memory: the first loads, the second finds nothing
   changed. Targets: under 10 minutes and 500 MB, the second faster. Then VACUUM ANALYZE, as
   autovacuum would after such a load.
3. The app's side: 200,000 accounts (benchmarks/scale_data.py), each with a confirmed card
   payment in its history, one with 10 meters, minted sessions; the plans of the hot
   statements (benchmarks/scale_plans.py) must use indexes.
4. The endpoints under gunicorn (wrk, 32 connections) beside /healthz in the same run, and the
   bill-day mix (Locust, benchmarks/locustfile.py) against gunicorn + PostgreSQL + Redis.

Prints one table and keeps it in instance/scale-report-<N>.txt. The database is kept for the
next run (without --fresh, the import then finds everything unchanged twice). Everything it
starts it stops, also on errors and Ctrl-C. The load average is printed beside each phase:
figures taken on a busy machine say less.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import random
import subprocess
import sys
import time

import harness
import scale_data
import scale_load
import scale_plans

LAST_PERIOD = "2026-10"  # fixed, so that a dataset written once stays valid
REDIS_DB = 14
SECRET = "scale-benchmark-webhook-secret"  # the simulated bank's, which Locust signs with
MB = 1024


def load_average() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def flask(env: dict[str, str], *args: str) -> tuple[float, int, str]:
    """`flask --app wsgi ARGS`: wall seconds, peak resident memory in MB, and its output (with
    the CPU seconds it used as its last line: on a busy machine, wall time says little)."""
    started = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=harness.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        output = process.stdout.read()
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{output[-3000:]}")
    cpu = f"CPU {usage.ru_utime + usage.ru_stime:.0f} s in Python"
    return time.perf_counter() - started, usage.ru_maxrss // MB, output + cpu


def psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qc", sql],
        check=True,
        capture_output=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supply-points", type=int, default=600_000)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--database", default="ekesco_scale")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--mix-seconds", type=int, default=60)
    parser.add_argument("--users", type=int, default=48, help="Locust users")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-mix", action="store_true")
    args = parser.parse_args()
    n = args.supply_points
    accounts = min(args.accounts, n // 2)
    instance = harness.ROOT / "instance"
    export = instance / f"scale-export-{n}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.database}"
    report: list[str] = [
        f"eKesco at scale: {n:,} supply points, {accounts:,} accounts, PostgreSQL "
        f"{args.database}; {os.cpu_count()} cores; started with {load_average()}"
    ]

    def say(line: str) -> None:
        print(line, flush=True)
        report.append(line)

    print(report[0], flush=True)
    with harness.scratch_directory() as tmp:
        env = harness.environment(
            tmp, DATABASE_URL=url, PAYMENT_GATEWAY="simulated", PAYMENT_WEBHOOK_SECRET=SECRET
        )
        if args.fresh:
            psql(f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
        with contextlib.suppress(subprocess.CalledProcessError):  # kept from an earlier run
            psql(f"CREATE DATABASE {args.database}")
        flask(env, "db", "upgrade")
        with harness.migrated_app(env):
            caught_up = scale_data.catch_up_schema()
        if caught_up:
            say(f"schema: {len(caught_up)} changes since the database was made, applied")

        stamp = export / ".complete"
        if not stamp.exists():
            seconds, peak, _ = flask(
                env, "ekesco", "demo-data", "--out", str(export), "--supply-points", str(n),
                "--months", "12", "--reading-days", "7", "--last-period", LAST_PERIOD,
            )  # fmt: skip
            stamp.write_text(f"{n}\n", encoding="utf-8")
            say(f"dataset: written in {seconds:.0f} s, peak {peak} MB ({load_average()})")
        sizes = {p.name: p.stat().st_size // (MB * MB) for p in export.glob("*.csv")}
        say(f"dataset: {export} ({', '.join(f'{k} {v} MB' for k, v in sorted(sizes.items()))})")

        if not args.skip_import:
            runs = []
            for attempt in ("first", "second"):
                say(f"import, {attempt} run ({load_average()}):")
                seconds, peak, output = flask(env, "ekesco", "import", str(export))
                runs.append(seconds)
                for line in output.splitlines():
                    if line.endswith(" s)") or line.startswith(("Import run", "CPU")):
                        say("  " + line)
                time_ok = "meets" if seconds < 600 else "MISSES"
                memory_ok = "meets" if peak < 500 else "MISSES"
                say(f"  {seconds:.0f} s ({time_ok} < 600 s), peak {peak} MB ({memory_ok} < 500 MB)")
            say(f"  second run {runs[1] / runs[0]:.0%} of the first's time (target: faster)")
            started = time.perf_counter()
            psql("VACUUM ANALYZE", args.database)
            say(f"VACUUM ANALYZE: {time.perf_counter() - started:.0f} s")

        with harness.migrated_app(env) as app:
            logging.getLogger("ekesco.access").setLevel(logging.WARNING)  # one line a request
            started = time.perf_counter()
            registered = scale_data.register_accounts(accounts)
            history = scale_data.app_payment_history()
            account_id, meter_id = scale_data.ten_meter_account()
            sessions = int(1500 * args.seconds * (args.rounds + 1)) + args.users * 4
            pairs = scale_data.mint_tokens(2, sessions, tmp / "tokens.txt")
            codes = scale_data.unregistered_codes(20_000)
            # Each run registers other codes: one taken by an earlier run would answer 409.
            random.shuffle(codes)
            (tmp / "codes.txt").write_text(
                "".join(f"{c}\t{p}\n" for c, p in codes), encoding="utf-8"
            )
            balance_pair = scale_data.mint_tokens(1, 1, tmp / "balance-token.txt")[0]
            # Payments under wrk pile up pending on their account: not the one whose balance
            # is measured, nor one of the mix's customers.
            payer_access = scale_data.mint_tokens(registered, 1, tmp / "payer-token.txt")[0][0]
            payer_meter = scale_data.own_meter(registered)
            say(
                f"accounts: {registered:,} registered ({history:,} new app payments in their "
                f"history), account {account_id} with 10 meters, "
                f"{len(pairs):,} sessions minted in {time.perf_counter() - started:.0f} s"
            )
            say("query plans of the hot statements (PostgreSQL EXPLAIN at this size):")
            plan_pair = scale_data.mint_tokens(1, 1, tmp / "plan-token.txt")[0]
            planned = scale_plans.check_plans(
                app, scale_plans_requests(plan_pair[0], meter_id, plan_pair[1])
            )
            lines, plans_ok = scale_plans.report(planned)
            for line in lines:
                say(line)
            say(f"  {'every plan uses its indexes' if plans_ok else 'FULL SCANS on hot paths'}")

        server_env = {**env, "RATELIMIT_ENABLED": "false"}
        refresh_tokens = [refresh for _access, refresh in pairs[: -args.users * 4]]
        chosen = scale_load.endpoints(
            tmp,
            balance_pair[0],
            meter_id,
            refresh_tokens,
            args.connections,
            payer=(payer_access, payer_meter),
        )
        model = f"gunicorn {args.workers} workers" + (
            f" x {args.threads} threads" if args.threads > 1 else " (sync)"
        )
        say(f"endpoints, {model}, wrk {args.connections} connections, {load_average()}:")
        with harness.gunicorn(
            server_env, tmp, workers=args.workers, threads=args.threads, backlog=256
        ) as server:
            results = scale_load.measure(server, chosen, args.seconds, args.rounds)
        say(harness.table_header(24))
        healthz = results["GET /healthz"].rate
        for name, result in results.items():
            say(harness.table_row(name, result, healthz, 24) + f" {result.failed:>6} failed")
        say(endpoint_verdict(results))

        if not args.skip_mix:
            subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], capture_output=True)
            mix_env = {
                **env,
                "RATELIMIT_ENABLED": "true",
                "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:6379/{REDIS_DB}",
                # One client address for every simulated customer: the per-address limits
                # would measure the limiter, not the service. Per-username ones stay.
                "LOGIN_RATE_LIMIT_PER_IP": "100000/minute",
            }
            locust_env = {
                "SCALE_TOKENS": str(tmp / "tokens-mix.txt"),
                "SCALE_CODES": str(tmp / "codes.txt"),
                "SCALE_PASSWORD": scale_data.PASSWORD,
                "SCALE_EMAIL_DOMAIN": scale_data.EMAIL_DOMAIN,
                "PAYMENT_WEBHOOK_SECRET": env.get("PAYMENT_WEBHOOK_SECRET", ""),
            }
            (tmp / "tokens-mix.txt").write_text(
                "".join(f"{a}\t{r}\n" for a, r in pairs[-args.users * 4 :]), encoding="utf-8"
            )
            say(
                f"bill-day mix: Locust, {args.users} users, {args.mix_seconds} s, {model}, "
                f"Redis rate limits, {load_average()}:"
            )
            with harness.gunicorn(
                mix_env, tmp, workers=args.workers, threads=args.threads, backlog=256
            ) as server:
                rows = scale_load.bill_day(
                    server.base, locust_env, tmp, args.users, args.mix_seconds
                )
            for line in scale_load.mix_table(rows):
                say(line)
        say(f"finished with {load_average()}")
    out = instance / f"scale-report-{n}.txt"
    out.write_text("\n".join(report) + "\n", encoding="utf-8")
    print(f"(kept in {out})")
    return 0


def scale_plans_requests(access: str, meter_id: int, refresh: str) -> dict[str, object]:
    """The hot requests whose statements are planned, made once each in-process."""
    auth = {"Authorization": f"Bearer {access}"}
    api = "/api/v1"
    login = {"username": scale_data.email_of(1), "password": scale_data.PASSWORD}
    payment = {"items": [{"meter_id": meter_id, "amount": "1.00"}]}
    return {
        "GET /balance": lambda c: c.get(f"{api}/balance", headers=auth),
        "GET /meters": lambda c: c.get(f"{api}/meters", headers=auth),
        "GET /meters/{id}/bills": lambda c: c.get(f"{api}/meters/{meter_id}/bills", headers=auth),
        "POST /auth/login": lambda c: c.post(f"{api}/auth/login", json=login),
        "POST /auth/refresh": lambda c: c.post(
            f"{api}/auth/refresh", headers={"Authorization": f"Bearer {refresh}"}
        ),
        "POST /payments": lambda c: c.post(
            f"{api}/payments",
            json=payment,
            headers={**auth, "Idempotency-Key": os.urandom(8).hex()},
        ),
    }


TARGETS = {  # share of /healthz's rate; p99 in ms (None: no latency target)
    "GET /balance": (0.30, 50.0),
    "GET /meters/{id}/bills": (0.25, None),
    "POST /auth/refresh": (0.25, None),
    "POST /payments": (0.20, 150.0),
}


def endpoint_verdict(results: dict[str, harness.Result]) -> str:
    healthz = results["GET /healthz"].rate
    parts = []
    for name, (share, p99) in TARGETS.items():
        result = results[name]
        ok = result.rate / healthz >= share and (p99 is None or result.p99() < p99)
        target = f">= {share:.0%}" + (f", p99 < {p99:.0f} ms" if p99 else "")
        parts.append(f"{name} {'meets' if ok else 'MISSES'} {target}")
    return "  " + "; ".join(parts)


if __name__ == "__main__":
    raise SystemExit(main())
