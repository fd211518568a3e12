"""The request lists and one request's history read in the same few statements at any length."""

from __future__ import annotations

from typing import Any

from ekesco_api.extensions import db
from tests.customer_requests.helpers import QUEUE, REQUESTS, change, file_request
from tests.factories import make_staff
from tests.support.auth import bearer, staff_login
from tests.support.customers import make_customer
from tests.support.statements import count_statements


def _statements(client: Any, url: str, headers: dict[str, str]) -> int:
    """The queries a GET runs (the tests' own SAVEPOINTs are not the app's), each from a
    session that remembers nothing, as a new request's does."""
    db.session.expire_all()
    with count_statements() as statements:
        assert client.get(url, headers=headers).status_code == 200
    return len([s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))])


def test_lists_cost_the_same_for_one_request_or_twelve(client, db_session, agent_headers):
    customer = make_customer(db_session)
    file_request(client, customer, meter_id=customer.meter.id)
    mine_one = _statements(client, REQUESTS, customer.headers)
    queue_one = _statements(client, QUEUE, agent_headers)

    for _ in range(11):
        file_request(client, make_customer(db_session), topic="other")
        file_request(client, customer, meter_id=customer.meter.id)

    assert _statements(client, REQUESTS, customer.headers) == mine_one
    assert _statements(client, QUEUE, agent_headers) == queue_one


def test_a_long_history_by_many_agents_costs_no_more_than_a_short_one(
    client, db_session, customer, agent_headers
):
    short = file_request(client, customer).get_json()["reference"]
    long = file_request(client, customer).get_json()["reference"]
    change(client, agent_headers, short, status="in_progress", note="One reply.")
    for n in range(5):
        other = bearer(staff_login(client, make_staff(db_session))["access_token"])
        change(client, other, long, status="in_progress", note=f"Reply {n}.")

    assert _statements(client, f"{QUEUE}/{long}", agent_headers) == _statements(
        client, f"{QUEUE}/{short}", agent_headers
    )
    assert _statements(client, f"{REQUESTS}/{long}", customer.headers) == _statements(
        client, f"{REQUESTS}/{short}", customer.headers
    )
