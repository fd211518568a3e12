"""/meters through HTTP: listing, adding with every refusal, renaming, removing, 404s."""

from __future__ import annotations

import pytest

from ekesco_api.meters.account_models import AccountMeter, SupplyPointClaim
from ekesco_api.meters.service import MAX_METERS
from tests.factories import make_area, make_meter, make_staff, make_supply_point
from tests.support.auth import API, token_headers
from tests.support.customers import add_meter, make_customer


def test_list_shows_the_registration_meters_first_with_the_contract_fields(client, db_session):
    city = make_area(db_session, name="Prishtinë", name_sr="Priština", name_en="Pristina")
    customer = make_customer(db_session, area=city, street="Rr. Agim Ramadani 5")
    second_own = make_meter(db_session, supply_point=customer.supply_point, reading_mode="manual")
    other = make_meter(db_session, reading_mode="manual", tariff_type="single")
    assert add_meter(client, customer, other, nickname="Dyqani").status_code == 201

    response = client.get(f"{API}/meters", headers={**customer.headers, "Accept-Language": "sr"})

    assert response.status_code == 200
    body = response.get_json()
    assert [m["id"] for m in body] == [customer.meter.id, second_own.id, other.id]
    first = body[0]
    assert first == {
        "id": customer.meter.id,
        "customer_code": customer.supply_point.customer_code,
        "meter_number": customer.meter.meter_number,
        "nickname": None,
        "reading_mode": "remote",
        "category": "household",
        "tariff_type": "dual",
        "address": "Rr. Agim Ramadani 5, Dardania, Prishtinë",
        "area": {"id": city.id, "level": "city", "name": "Priština"},
        "is_primary": True,
    }
    assert [m["is_primary"] for m in body] == [True, True, False]
    assert body[2]["nickname"] == "Dyqani"
    assert body[2]["reading_mode"] == "manual"
    assert body[2]["area"] is None


def test_list_masks_the_address_when_the_names_do_not_match(client, db_session):
    customer = make_customer(
        db_session, name_matches_holder=False, street="Rr. Nëna Terezë 12", neighbourhood="Ulpiana"
    )
    body = client.get(f"{API}/meters", headers=customer.headers).get_json()
    assert body[0]["address"] == "Rr**. Në** Te** **, Ul**, Pr**"
    # Codes and meter numbers are not personal data: they stay.
    assert body[0]["customer_code"] == customer.supply_point.customer_code


def test_every_meters_route_needs_a_customer_token(client, db_session):
    for method, path in [
        ("get", "/meters"),
        ("post", "/meters"),
        ("get", "/meters/1"),
        ("patch", "/meters/1"),
        ("delete", "/meters/1"),
        ("get", "/meters/1/readings"),
        ("get", "/meters/1/bills"),
        ("get", "/meters/1/balance"),
        ("get", "/balance"),
        ("get", "/bills/1"),
        ("get", "/bills/1/pdf"),
    ]:
        response = getattr(client, method)(f"{API}{path}", json={})
        assert response.status_code == 401, (method, path)
        assert response.get_json()["code"] == "unauthorized"


def test_add_a_meter_by_code_and_number_typed_any_way(client, db_session):
    customer = make_customer(db_session)
    point = make_supply_point(db_session, customer_code="DGJ 0042137")
    meter = make_meter(db_session, supply_point=point, meter_number="52-013-344")

    response = client.post(
        f"{API}/meters",
        json={
            "customer_code": "dgj0042137",
            "meter_number": " 52013344",
            "nickname": "  Shtëpia  e  nënës ",
        },
        headers=customer.headers,
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["id"] == meter.id
    assert body["customer_code"] == "DGJ 0042137"  # returned in the CIS's own form
    assert body["meter_number"] == "52-013-344"
    assert body["nickname"] == "Shtëpia e nënës"
    assert body["is_primary"] is False
    assert db_session.get(SupplyPointClaim, point.id).account_id == customer.account.id


@pytest.mark.parametrize("mismatch", ["unknown_number", "unknown_code", "other_supply_point"])
def test_add_refuses_a_code_and_number_that_do_not_name_one_supply_point(
    client, db_session, mismatch
):
    customer = make_customer(db_session)
    meter = make_meter(db_session)
    elsewhere = make_meter(db_session)
    body = {"customer_code": meter.supply_point.customer_code, "meter_number": meter.meter_number}
    if mismatch == "unknown_number":
        body["meter_number"] = "00000000"
    elif mismatch == "unknown_code":
        body["customer_code"] = "DPR 0000000"
    else:
        body["meter_number"] = elsewhere.meter_number

    response = client.post(
        f"{API}/meters", json=body, headers={**customer.headers, "Accept-Language": "en"}
    )

    assert response.status_code == 404
    problem = response.get_json()
    assert problem["code"] == "meter_unknown"
    assert problem["title"] == "No meter with this number belongs to this customer code."
    assert response.content_type == "application/problem+json"


def test_add_refuses_a_meter_already_on_the_account(client, db_session):
    customer = make_customer(db_session)
    other = make_meter(db_session)
    assert add_meter(client, customer, other).status_code == 201

    again = add_meter(client, customer, other)
    own = add_meter(client, customer, customer.meter)

    for response in (again, own):
        assert response.status_code == 409
        assert response.get_json()["code"] == "meter_already_added"


def test_add_refuses_a_supply_point_on_another_account(client, db_session):
    customer = make_customer(db_session)
    neighbour = make_customer(db_session)
    extra = make_meter(db_session)
    second_meter_of_extra = make_meter(db_session, supply_point=extra.supply_point)
    assert add_meter(client, neighbour, extra).status_code == 201

    registered = add_meter(client, customer, neighbour.meter)  # the neighbour's registration
    added = add_meter(client, customer, extra)  # added by the neighbour
    sibling = add_meter(client, customer, second_meter_of_extra)  # same code, other meter

    for response in (registered, added, sibling):
        assert response.status_code == 409
        assert response.get_json()["code"] == "meter_taken"
    # ... while the neighbour may add the code's second meter: it holds the code.
    assert add_meter(client, neighbour, second_meter_of_extra).status_code == 201


def test_add_refuses_an_eleventh_meter(client, db_session):
    customer = make_customer(db_session)
    for _ in range(MAX_METERS - 1):
        assert add_meter(client, customer, make_meter(db_session)).status_code == 201

    response = add_meter(client, customer, make_meter(db_session))

    assert response.status_code == 409
    assert response.get_json()["code"] == "meter_limit_reached"
    assert len(client.get(f"{API}/meters", headers=customer.headers).get_json()) == MAX_METERS


def test_the_registration_meters_count_towards_the_limit(client, db_session):
    customer = make_customer(db_session)
    for _ in range(2):
        make_meter(db_session, supply_point=customer.supply_point)  # 3 own meters
    for _ in range(MAX_METERS - 3):
        assert add_meter(client, customer, make_meter(db_session)).status_code == 201
    assert add_meter(client, customer, make_meter(db_session)).status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"customer_code": "DPR 1", "meter_number": ""},
        {"customer_code": "   ", "meter_number": "1"},
        {"customer_code": "DPR 1", "meter_number": "1" * 33},
        {"customer_code": "DPR 1", "meter_number": "1", "nickname": "x" * 41},
        {"customer_code": 12, "meter_number": "1"},
    ],
)
def test_add_validates_its_body(client, db_session, body):
    customer = make_customer(db_session)
    response = client.post(f"{API}/meters", json=body, headers=customer.headers)
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"


def test_get_one_meter(client, db_session):
    customer = make_customer(db_session)
    response = client.get(f"{API}/meters/{customer.meter.id}", headers=customer.headers)
    assert response.status_code == 200
    assert response.get_json()["meter_number"] == customer.meter.meter_number


def test_another_accounts_meter_is_404_on_every_route(client, db_session):
    customer = make_customer(db_session)
    neighbour = make_customer(db_session)
    added = make_meter(db_session)
    assert add_meter(client, neighbour, added).status_code == 201
    unheld = make_meter(db_session)  # on no account at all

    for meter_id in (neighbour.meter.id, added.id, unheld.id, 999_999_999):
        for method, suffix, body in [
            ("get", "", None),
            ("patch", "", {"nickname": "mine"}),
            ("delete", "", None),
            ("get", "/readings", None),
            ("get", "/bills", None),
            ("get", "/balance", None),
        ]:
            response = getattr(client, method)(
                f"{API}/meters/{meter_id}{suffix}", json=body, headers=customer.headers
            )
            assert response.status_code == 404, (meter_id, method, suffix)
            assert response.get_json()["code"] == "not_found"
    # Nothing changed on the neighbour's side.
    assert db_session.query(AccountMeter).filter_by(meter_id=added.id).one().nickname is None


def test_rename_an_added_meter_and_a_primary_one(client, db_session):
    customer = make_customer(db_session)
    other = make_meter(db_session)
    assert add_meter(client, customer, other).status_code == 201

    renamed = client.patch(
        f"{API}/meters/{other.id}", json={"nickname": "Zyra"}, headers=customer.headers
    )
    primary = client.patch(
        f"{API}/meters/{customer.meter.id}", json={"nickname": "Shtëpia"}, headers=customer.headers
    )
    cleared = client.patch(
        f"{API}/meters/{other.id}", json={"nickname": None}, headers=customer.headers
    )

    assert renamed.status_code == 200 and renamed.get_json()["nickname"] == "Zyra"
    assert primary.status_code == 200 and primary.get_json()["nickname"] == "Shtëpia"
    assert primary.get_json()["is_primary"] is True
    assert cleared.get_json()["nickname"] is None
    listing = client.get(f"{API}/meters", headers=customer.headers).get_json()
    assert [(m["id"], m["nickname"]) for m in listing] == [
        (customer.meter.id, "Shtëpia"),
        (other.id, None),
    ]
    # A named primary meter still counts once towards the limit.
    assert len(listing) == 2


def test_rename_validates(client, db_session):
    customer = make_customer(db_session)
    for body in ({}, {"nickname": "x" * 41}, {"nickname": 5}):
        response = client.patch(
            f"{API}/meters/{customer.meter.id}", json=body, headers=customer.headers
        )
        assert response.status_code == 422, body


def test_remove_an_added_meter_frees_its_code_for_others(client, db_session):
    customer = make_customer(db_session)
    neighbour = make_customer(db_session)
    other = make_meter(db_session)
    assert add_meter(client, customer, other).status_code == 201

    response = client.delete(f"{API}/meters/{other.id}", headers=customer.headers)

    assert response.status_code == 204
    assert client.get(f"{API}/meters/{other.id}", headers=customer.headers).status_code == 404
    assert db_session.get(SupplyPointClaim, other.supply_point_id) is None
    assert add_meter(client, neighbour, other).status_code == 201


def test_removing_one_of_two_meters_keeps_the_code_claimed(client, db_session):
    customer = make_customer(db_session)
    neighbour = make_customer(db_session)
    first = make_meter(db_session)
    second = make_meter(db_session, supply_point=first.supply_point)
    assert add_meter(client, customer, first).status_code == 201
    assert add_meter(client, customer, second).status_code == 201

    assert client.delete(f"{API}/meters/{first.id}", headers=customer.headers).status_code == 204

    assert add_meter(client, neighbour, first).get_json()["code"] == "meter_taken"


def test_the_registration_meter_cannot_be_removed(client, db_session):
    customer = make_customer(db_session)
    client.patch(
        f"{API}/meters/{customer.meter.id}", json={"nickname": "Shtëpia"}, headers=customer.headers
    )
    response = client.delete(
        f"{API}/meters/{customer.meter.id}", headers={**customer.headers, "Accept-Language": "en"}
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "primary_meter"
    assert response.get_json()["title"] == (
        "The meter of the customer code you registered with cannot be removed."
    )
    assert (
        client.get(f"{API}/meters/{customer.meter.id}", headers=customer.headers).status_code == 200
    )


def test_errors_come_in_the_requested_language(client, db_session):
    customer = make_customer(db_session)
    titles = {
        lang: client.get(
            f"{API}/meters/999999999", headers={**customer.headers, "Accept-Language": lang}
        ).get_json()["title"]
        for lang in ("sq", "en", "sr")
    }
    assert titles["en"] == "This meter is not on your account."
    assert len(set(titles.values())) == 3


def test_a_staff_token_is_refused(client, db_session, app):
    from ekesco_api.auth.tokens import start_session

    customer = make_customer(db_session)
    # The same id as the customer's account: the token's kind decides, not the number.
    member = make_staff(db_session, id=customer.account.id)
    pair = start_session(db_session, kind="staff", subject_id=member.id, role="support")
    db_session.flush()
    response = client.get(
        f"{API}/meters", headers={"Authorization": f"Bearer {pair['access_token']}"}
    )
    assert response.status_code == 403


def test_headers_helper_issues_a_working_token(client, db_session):
    customer = make_customer(db_session)
    headers = token_headers(db_session, customer.account)
    assert client.get(f"{API}/meters", headers=headers).status_code == 200
