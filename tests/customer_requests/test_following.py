"""Following: the customer's list and one request by reference, and what deleting the account
leaves."""

from __future__ import annotations

import json

from sqlalchemy import select

from ekesco_api.customer_requests.models import CustomerRequest
from tests.customer_requests.helpers import QUEUE, REQUESTS, change, file_request
from tests.factories import DEFAULT_PASSWORD
from tests.support.auth import API
from tests.support.customers import make_customer


def test_the_list_is_the_accounts_own_newest_first_and_paginated(client, db_session, customer):
    other = make_customer(db_session)
    mine = [file_request(client, customer, description=f"#{i}").get_json() for i in range(3)]
    file_request(client, other)

    first = client.get(f"{REQUESTS}?page_size=2", headers=customer.headers)
    second = client.get(f"{REQUESTS}?page_size=2&page=2", headers=customer.headers)

    assert [r["reference"] for r in first.get_json() + second.get_json()] == [
        r["reference"] for r in reversed(mine)
    ]
    assert json.loads(first.headers["X-Pagination"])["total"] == 3
    assert "history" not in first.get_json()[0]


def test_one_request_is_found_ignoring_case_with_its_history(
    client, db_session, customer, agent_headers
):
    reference = file_request(client, customer).get_json()["reference"]
    change(client, agent_headers, reference, status="in_progress", note="Po e kontrollojmë.")
    change(client, agent_headers, reference, status="resolved", note="Fatura u korrigjua.")

    response = client.get(f"{REQUESTS}/{reference.lower()}", headers=customer.headers)

    assert response.status_code == 200
    body = response.get_json()
    assert body["reference"] == reference and body["status"] == "resolved"
    assert [(h["status"], h["note"]) for h in body["history"]] == [
        ("received", None),
        ("in_progress", "Po e kontrollojmë."),
        ("resolved", "Fatura u korrigjua."),
    ]
    assert "staff_email" not in body["history"][1]  # who at KESCO is not the customer's


def test_another_accounts_reference_is_as_unknown_as_none(client, db_session, customer):
    other = make_customer(db_session)
    theirs = file_request(client, other).get_json()["reference"]

    answers = [
        client.get(f"{REQUESTS}/{ref}", headers=customer.headers)
        for ref in (theirs, "KS-1999-000001", "not-a-reference")
    ]

    assert {a.status_code for a in answers} == {404}
    assert {a.get_json()["code"] for a in answers} == {"not_found"}
    assert answers[0].get_json() == answers[1].get_json()


def test_deleting_the_account_keeps_its_requests_without_the_link(
    client, db_session, customer, agent_headers
):
    reference = file_request(client, customer).get_json()["reference"]
    db_session.commit()

    gone = client.delete(f"{API}/me", json={"password": DEFAULT_PASSWORD}, headers=customer.headers)
    assert gone.status_code == 204
    db_session.expire_all()  # bulk statements: forget the objects loaded before

    kept = db_session.scalars(
        select(CustomerRequest).where(CustomerRequest.reference == reference)
    ).one()
    assert kept.account_id is None
    assert kept.customer_code == customer.supply_point.customer_code
    assert kept.description == "Fatura dyfish."
    staff_view = client.get(f"{QUEUE}/{reference}", headers=agent_headers).get_json()
    assert staff_view["customer"] is None and staff_view["customer_name"] is None
    # The number stays taken: the next filing gets the next one.
    newcomer = make_customer(db_session)
    following = file_request(client, newcomer).get_json()["reference"]
    assert int(following[-6:]) == int(reference[-6:]) + 1
