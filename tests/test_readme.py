"""The README's tour runs as written: the block between its tour markers, run by bash.

The commands are read from README.md (so the two cannot drift) and run against this test's
server, from a folder laid out as a checkout after `make run`: `instance/` with the messages and
a demo customers.csv, `.venv` and `wsgi.py`. The only change made to them is the server's
address. The tour must end with a bill PDF, a succeeded payment and its receipt, and a staff
login that works.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask

from ekesco_api.extensions import db
from tests.factories import make_bill, make_meter, make_reading, make_supply_point
from tests.support.browser import server

pytestmark = pytest.mark.race

__all__ = ["server"]  # the fixture, used by name

ROOT = Path(__file__).resolve().parents[1]
TOUR = re.compile(r"<!-- tour:start -->\s*```sh\n(.*?)```\s*<!-- tour:end -->", re.DOTALL)


def tour() -> str:
    found = TOUR.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md has no ```sh block between <!-- tour:start --> and <!-- tour:end -->"
    return found.group(1)


def _demo_customer(app: Flask) -> str:
    """A supply point as `make run` loads them: a remote meter, its reads, two bills."""
    with app.app_context():
        session = db.session()
        point = make_supply_point(session, customer_code="DPR 7000001")
        meter = make_meter(session, supply_point=point)
        for period in ("2025-01", "2025-02"):
            make_bill(session, supply_point=point, period=period)
        for day, high in ((dt.datetime(2025, 1, 31, 23, tzinfo=dt.UTC), "1200.000"),):
            make_reading(session, meter=meter, read_at=day, kwh_high_total=Decimal(high))
        session.commit()
        return point.customer_code


def test_the_readme_tour_runs_as_written(
    app: Flask, server: str, message_dir: Path, outbox: Any, tmp_path: Path
) -> None:
    code = _demo_customer(app)
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "instance").symlink_to(message_dir, target_is_directory=True)
    (checkout / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    (checkout / "wsgi.py").symlink_to(ROOT / "wsgi.py")
    export = message_dir / "demo-export"
    export.mkdir(exist_ok=True)
    (export / "customers.csv").write_text(
        "customer_code,first_name,last_name\n" + f"{code},Arben,Krasniqi\n", encoding="utf-8"
    )
    script = tour()
    assert "http://127.0.0.1:8000" in script
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # the flask command imports this checkout's code
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "EKESCO_INSTANCE_DIR": str(checkout / "instance"),
        "RATELIMIT_ENABLED": "false",
    }
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.replace("http://127.0.0.1:8000", server)],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    assert (checkout / "bill.pdf").read_bytes().startswith(b"%PDF-")
    assert (checkout / "receipt.pdf").read_bytes().startswith(b"%PDF-")
    assert "succeeded" in result.stdout.splitlines()
    password = re.search(r"STAFF_PASSWORD='([^']+)'", script)
    assert password
    staff = httpx.post(
        server + "/api/v1/staff/login",
        json={"email": "agent@kesco-energy.com", "password": password.group(1)},
    )
    assert staff.status_code == 200, staff.text
