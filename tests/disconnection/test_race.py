"""Requests at once on one case: one objection, one agreement, one reconnection reference.

These tests commit for real (`race`); run them on PostgreSQL too, where the case's row lock and
the partial unique indexes make the losers wait and then refuse.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from ekesco_api.disconnection.agreements import propose, sweep
from ekesco_api.disconnection.models import DisconnectionNotice, Objection, PaymentAgreement
from ekesco_api.extensions import db
from ekesco_api.types import utcnow
from tests.concurrency import run_at_once
from tests.disconnection.helpers import Scenario
from tests.factories import make_bill, make_cis_payment
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


def test_sweeps_at_once_warn_once_after_a_break(app):
    with app.app_context():
        customer = make_customer(db.session)
        make_bill(
            db.session,
            supply_point=customer.supply_point,
            energy_amount=Decimal("90"),
            fixed_fee=Decimal("0"),
            vat_amount=Decimal("0"),
        )
        past = utcnow() - dt.timedelta(days=40)
        propose(
            db.session,
            account_id=customer.account.id,
            meter_id=customer.meter.id,
            installments=3,
            now=past,
        )
        make_cis_payment(
            db.session,
            supply_point=customer.supply_point,
            amount=Decimal("30"),
            paid_at=past + dt.timedelta(hours=1),
        )
        db.session.commit()  # the second installment's day is 10 days gone

    def run(_index: int) -> int:
        with app.app_context():
            return sweep(db.session, now=utcnow())["warnings"]

    assert sorted(run_at_once(THREADS, run)) == [0] * (THREADS - 1) + [1]
    with app.app_context():
        warnings = select(func.count()).select_from(DisconnectionNotice)
        assert db.session.scalar(warnings) == 1
