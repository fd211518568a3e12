"""The 10-meter limit and the one-account-per-code rule hold under real concurrent requests.

These tests commit for real (`race`): a dozen threads, each with its own connection, post at
once. Run them on PostgreSQL too (`TEST_DATABASE_URL=postgresql+psycopg://...`), where the
account row lock does the work that SQLite's BEGIN IMMEDIATE does.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from ekesco_api.extensions import db
from ekesco_api.meters.account_models import AccountMeter, SupplyPointClaim
from ekesco_api.meters.service import MAX_METERS
from tests.concurrency import run_at_once
from tests.factories import make_meter
from tests.support.auth import API
from tests.support.customers import make_customer

pytestmark = pytest.mark.race


def _add_at_once(app: Any, requests: list[tuple[dict[str, str], dict[str, str]]]) -> list[Any]:
    """Post every (headers, body) to /meters at once, one thread and client each."""

    def post(index: int) -> tuple[int, Any]:
        headers, body = requests[index]
        response = app.test_client().post(f"{API}/meters", json=body, headers=headers)
        return response.status_code, response.get_json()

    return run_at_once(len(requests), post)


def test_a_dozen_concurrent_adds_stop_at_ten_meters(app):
    with app.app_context():
        customer = make_customer(db.session)  # one meter of its own
        meters = [make_meter(db.session) for _ in range(12)]
        bodies = [
            {"customer_code": m.supply_point.customer_code, "meter_number": m.meter_number}
            for m in meters
        ]
        headers = customer.headers
        account_id = customer.account.id
        db.session.commit()

    results = _add_at_once(app, [(headers, body) for body in bodies])

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * (MAX_METERS - 1) + [409] * 3, results
    assert {body["code"] for status, body in results if status == 409} == {"meter_limit_reached"}
    with app.app_context():
        held = db.session.execute(
            select(func.count()).where(AccountMeter.account_id == account_id)
        ).scalar_one()
        assert held == MAX_METERS - 1
        listed = app.test_client().get(f"{API}/meters", headers=headers).get_json()
        assert len(listed) == MAX_METERS


def test_two_accounts_racing_for_one_code_one_wins(app):
    with app.app_context():
        customers = [make_customer(db.session) for _ in range(6)]
        contested = make_meter(db.session)
        body = {
            "customer_code": contested.supply_point.customer_code,
            "meter_number": contested.meter_number,
        }
        requests = [(c.headers, body) for c in customers]
        point_id = contested.supply_point_id
        db.session.commit()

    results = _add_at_once(app, requests)

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 5, results
    assert {body["code"] for status, body in results if status == 409} == {"meter_taken"}
    with app.app_context():
        claims = db.session.scalars(
            select(SupplyPointClaim).where(SupplyPointClaim.supply_point_id == point_id)
        ).all()
        assert len(claims) == 1
