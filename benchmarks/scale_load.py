"""The load of `scale.py`: five endpoints under wrk beside /healthz, and Locust's bill-day mix.

Refresh tokens work once, so each wrk run of POST /auth/refresh gets its own slice of the
minted tokens (a Lua script reads them, each wrk thread its share); a run that uses them all
up shows as failed requests, not as a silent replay.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import harness

# wrk: each request spends one refresh token of this thread's share of the file.
REFRESH_LUA = """
local tokens = {}
local used = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  local id = tonumber(wrk.thread:get("id"))
  local n = 0
  for line in io.lines("%(path)s") do
    n = n + 1
    if n %% 2 == id - 1 then tokens[#tokens + 1] = line end
  end
end
function request()
  used = used + 1
  local token = tokens[used] or "used-up"
  return wrk.format("POST", nil, {["Authorization"] = "Bearer " .. token}, "")
end
"""


@dataclass
class Endpoint:
    name: str
    path: str
    connections: int
    headers: dict[str, str]
    script: Callable[[float], Path] | None = None  # seconds → a Lua script for that run


def endpoints(
    tmp: Path,
    access: str,
    meter_id: int,
    refresh_tokens: list[str],
    connections: int,
    *,
    payer: tuple[str, int],
) -> list[Endpoint]:
    """/healthz and the four hot paths, with what each request carries; `payer` (a token and
    its meter) makes the payments."""
    auth = {"Authorization": f"Bearer {access}"}
    body = json.dumps({"items": [{"meter_id": payer[1], "amount": "28.88"}]})
    spent = [0]

    def payments_script(_seconds: float) -> Path:
        # Each run its own keys: the warm-up's sent again would be replays, not payments.
        return harness.new_payments_script(tmp / "payments.lua", body)

    def refresh_script(seconds: float) -> Path:
        # Enough for 1,500 refreshes a second; each run its own tokens.
        count = int(1500 * max(1.0, seconds))
        chunk = refresh_tokens[spent[0] : spent[0] + count]
        spent[0] += count
        path = tmp / f"refresh-{spent[0]}.txt"
        path.write_text("\n".join(chunk) + "\n", encoding="utf-8")
        script = tmp / f"refresh-{spent[0]}.lua"
        script.write_text(REFRESH_LUA % {"path": path}, encoding="utf-8")
        return script

    json_auth = {"Authorization": f"Bearer {payer[0]}", "Content-Type": "application/json"}
    return [
        Endpoint("GET /healthz", "/healthz", connections, {}),
        Endpoint("GET /balance", "/api/v1/balance", connections, auth),
        Endpoint("GET /meters/{id}/bills", f"/api/v1/meters/{meter_id}/bills", connections, auth),
        Endpoint("POST /auth/refresh", "/api/v1/auth/refresh", connections, {}, refresh_script),
        Endpoint("POST /payments", "/api/v1/payments", connections, json_auth, payments_script),
    ]


def measure(
    server: harness.Server, chosen: list[Endpoint], seconds: float, rounds: int
) -> dict[str, harness.Result]:
    """Each endpoint in turn, round after round, after a thrown-away warm-up of each."""
    by_name = {e.name: e for e in chosen}

    def run(name: str, _path: str, secs: float) -> harness.Result:
        endpoint = by_name[name]
        script = endpoint.script(secs) if endpoint.script else None
        return harness.measure_wrk(
            server.base + endpoint.path, endpoint.headers, secs, endpoint.connections, script
        )

    return harness.measure_in_turn(
        {e.name: e.path for e in chosen}, run, seconds=seconds, rounds=rounds, warm_up=2
    )


@dataclass
class MixRow:
    name: str
    requests: int
    failures: int
    rate: float
    p50: float
    p95: float
    p99: float


def bill_day(base: str, env: dict[str, str], tmp: Path, users: int, seconds: int) -> list[MixRow]:
    """Locust, headless, for `seconds`; its per-endpoint figures from its CSV."""
    prefix = tmp / "mix"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(1, users // 4)),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        base,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    subprocess.run(
        command,
        env={**os.environ, **env},
        check=False,
        timeout=seconds + 120,
        stdout=subprocess.DEVNULL,
        stderr=(tmp / "locust.log").open("w"),
    )
    rows = []
    with (tmp / "mix_stats.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                continue
            rows.append(
                MixRow(
                    name=row["Name"],
                    requests=int(row["Request Count"]),
                    failures=int(row["Failure Count"]),
                    rate=float(row["Requests/s"]),
                    p50=float(row["50%"]),
                    p95=float(row["95%"]),
                    p99=float(row["99%"]),
                )
            )
    return sorted(rows, key=lambda r: -r.requests)


def mix_table(rows: list[MixRow]) -> list[str]:
    healthz = next((r for r in rows if r.name == "GET /healthz"), None)
    lines = [
        f"  {'endpoint':<26} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7}"
        + (f" {'p50 vs healthz':>15}" if healthz else "")
    ]
    for r in rows:
        line = (
            f"  {r.name:<26} {r.rate:8.1f} {r.p50:7.0f} {r.p95:7.0f} {r.p99:7.0f} {r.failures:7d}"
        )
        if healthz and healthz.p50:
            line += f" {r.p50 / healthz.p50:14.1f}x"
        lines.append(line)
    total = sum(r.rate for r in rows)
    lines.append(f"  {'all':<26} {total:8.1f}")
    return lines
