"""The simulated bank without a browser: the signed request, Pay, Decline and the result page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from ekesco_api.payments.models import PaymentCallback
from tests.payments.helpers import API, create
from tests.support.customers import make_customer


@pytest.fixture
def started(client, db_session):
    customer = make_customer(db_session)
    payment = create(
        client, customer.headers, [{"meter_id": customer.meter.id, "amount": "41.07"}]
    ).get_json()
    url = urlsplit(payment["redirect_url"])
    fields = {k: v[0] for k, v in parse_qs(url.query).items()}
    return customer, payment, url, fields


def _status(client, customer, payment):
    response = client.get(f"{API}/payments/{payment['id']}", headers=customer.headers)
    return response.get_json()["status"]


def test_the_card_page_shows_the_amount(client, started):
    _customer, _payment, url, _fields = started
    response = client.get(f"{url.path}?{url.query}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "41.07 EUR" in page
    assert 'id="pay"' in page and 'id="decline"' in page
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_a_tampered_request_is_refused(client, started):
    _customer, _payment, url, _fields = started
    response = client.get(f"{url.path}?{url.query.replace('41.07', '0.01')}")
    assert response.status_code == 400
    assert "41.07" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("decision", "status"), [("pay", "succeeded"), ("decline", "failed")])
def test_pay_or_decline_sends_the_signed_callback(client, db_session, started, decision, status):
    customer, payment, url, fields = started
    response = client.post(url.path, data={**fields, "decision": decision})

    assert response.status_code == 303
    expected = "success" if decision == "pay" else "fail"
    assert response.headers["Location"].endswith(
        f"/payments/return?order_id={payment['id']}&result={expected}"
    )
    result = client.get(response.headers["Location"])
    assert result.status_code == 200
    assert f'data-status="{status}"' in result.get_data(as_text=True)
    assert _status(client, customer, payment) == status
    # It went through the same verification as the bank's own callback.
    [entry] = db_session.scalars(select(PaymentCallback)).all()
    assert (entry.outcome, entry.remote_addr) == ("applied", "simulated-bank")


def test_a_forged_form_is_refused(client, started):
    customer, payment, url, fields = started
    response = client.post(url.path, data={**fields, "amount": "0.01", "decision": "pay"})
    assert response.status_code == 400
    assert _status(client, customer, payment) == "pending"


def test_paying_twice_shows_the_result_once_applied(client, db_session, started):
    customer, payment, url, fields = started
    client.post(url.path, data={**fields, "decision": "pay"})
    again = client.post(url.path, data={**fields, "decision": "pay"})
    # A new bank reference for the same payment: the second is a repeat, nothing changes.
    assert again.status_code == 303
    outcomes = db_session.scalars(select(PaymentCallback.outcome).order_by(PaymentCallback.id))
    assert list(outcomes) == ["applied", "repeat"]
    assert _status(client, customer, payment) == "succeeded"


def test_production_has_no_simulated_bank():
    from flask import Flask

    from ekesco_api.payments import simulated_bank

    for env, registered in (("production", False), ("development", True)):
        flask_app = Flask("check")
        flask_app.config["EKESCO_ENV"] = env
        simulated_bank.init_app(flask_app)
        rules = {rule.rule for rule in flask_app.url_map.iter_rules()}
        assert ("/simulated-bank/pay" in rules) is registered
