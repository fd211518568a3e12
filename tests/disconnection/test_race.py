"""Requests at once on one case: one objection, one agreement, one reconnection reference.

These tests commit for real (`race`); run them on PostgreSQL too, where the case's row lock and
the partial unique indexes make the losers wait and then refuse.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from ekesco_api.disconnection.models import Objection, PaymentAgreement
from ekesco_api.extensions import db
from tests.concurrency import run_at_once
from tests.disconnection.helpers import Scenario
from tests.factories import make_bill
from tests.support.auth import API
from tests.support.customers import make_customer

pytestmark = pytest.mark.race

THREADS = 8


def _at_once(app: Any, method: str, url: str, headers: dict, body: Any = None) -> list[Any]:
    def run(_index: int) -> tuple[int, Any]:
        response = app.test_client().open(url, method=method, json=body, headers=headers)
        return response.status_code, response.get_json()

    return run_at_once(THREADS, run)


def test_objections_at_once_make_one(app):
    with app.app_context():
        customer = make_customer(db.session)
        point = customer.supply_point
        Scenario(db.session, point.customer_code, point.id).warned().noticed()
        url = f"{API}/meters/{customer.meter.id}/disconnection/objection"
        headers = customer.headers
        db.session.commit()

    results = _at_once(app, "POST", url, headers, {"reason": "Not mine."})

    assert sorted(status for status, _ in results) == [201] + [409] * (THREADS - 1), results
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Objection)) == 1


def test_agreements_at_once_make_one(app):
    with app.app_context():
        customer = make_customer(db.session)
        make_bill(db.session, supply_point=customer.supply_point, energy_amount=Decimal("90"))
        url = f"{API}/meters/{customer.meter.id}/payment-agreement"
        headers = customer.headers
        db.session.commit()

    results = _at_once(app, "POST", url, headers, {"installments": 3})

    assert sorted(status for status, _ in results) == [201] + [409] * (THREADS - 1), results
    assert {a["code"] for s, a in results if s == 409} == {"agreement_exists"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PaymentAgreement)) == 1
