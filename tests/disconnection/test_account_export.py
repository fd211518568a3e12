"""The disconnection records and payment agreements in the customer's copy (GET /me/export)."""

from __future__ import annotations

import json
from decimal import Decimal

from ekesco_api.disconnection.models import Objection
from tests.disconnection.helpers import Scenario
from tests.factories import make_bill
from tests.support.auth import API
from tests.support.customers import make_customer


def _export(client, customer):
    response = client.get(f"{API}/me/export", headers=customer.headers)
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def _story(db_session, customer) -> Scenario:
    point = customer.supply_point
    return Scenario(db_session, point.customer_code, point.id, start=30)


def test_the_copy_holds_the_cases_of_its_codes_with_their_notices_and_its_own_objections(
    client, db_session
):
    customer, neighbour = make_customer(db_session), make_customer(db_session)
    story = _story(db_session, customer).warned().noticed()
    _story(db_session, neighbour).warned()
    objected = client.post(
        f"{API}/meters/{customer.meter.id}/disconnection/objection",
        json={"reason": "I paid at the post office."},
        headers=customer.headers,
    )
    assert objected.status_code == 201, objected.get_json()
    # What an earlier holder of the code wrote is theirs, not this customer's.
    db_session.add(
        Objection(
            case_id=story.case.id,
            account_id=None,
            reason="Written by the holder before.",
            status="rejected",
            filed_at=story.at(1),
        )
    )
    db_session.commit()

    [case] = _export(client, customer)["disconnections"]

    assert case["customer_code"] == customer.supply_point.customer_code
    assert (case["reason"], case["amount_due"]) == ("non_payment", "120.00")
    assert [(e["event"], e["state"]) for e in case["history"]] == [
        ("warning", "warned"),
        ("notice", "notice_given"),
        ("objection", "suspended"),
    ]
    assert [(n["kind"], n["delivered_by"]) for n in case["notices"]] == [
        ("warning", "phone"),
        ("disconnection", "phone"),
    ]
    assert all(n["delivered_at"].endswith("Z") for n in case["notices"])
    assert [o["reason"] for o in case["objections"]] == ["I paid at the post office."]
    assert case["closed_at"] is None and case["medical_certificate"] is None


def test_the_copy_holds_the_payment_agreements_the_account_proposed(client, db_session):
    customer = make_customer(db_session)
    make_bill(
        db_session,
        supply_point=customer.supply_point,
        energy_amount=Decimal("90.00"),
        fixed_fee=Decimal("0.00"),
        vat_amount=Decimal("0.00"),
    )
    proposed = client.post(
        f"{API}/meters/{customer.meter.id}/payment-agreement",
        json={"installments": 3},
        headers=customer.headers,
    )
    assert proposed.status_code == 201, proposed.get_json()

    document = _export(client, customer)

    [agreement] = document["payment_agreements"]
    assert agreement["customer_code"] == customer.supply_point.customer_code
    assert (agreement["status"], agreement["total"], agreement["installments"]) == (
        "proposed",
        "90.00",
        3,
    )
    assert document["disconnections"] == []
