"""Support's customer lookup: by each key, what an agent sees, never a secret."""

from __future__ import annotations

import json
import re

import pytest

from ekesco_api.meters.account_models import AccountMeter, SupplyPointClaim
from ekesco_api.registration import codes
from tests.factories import (
    make_account,
    make_meter,
    make_supply_point,
)

CUSTOMERS = "/api/v1/staff/customers"


def _find(client, headers, **query):
    return client.get(CUSTOMERS, query_string=query, headers=headers)


@pytest.fixture
def customer(db_session):
    supply_point = make_supply_point(db_session, customer_code="DGJ 0042137")
    make_meter(db_session, supply_point=supply_point, meter_number="M-2002")
    make_meter(db_session, supply_point=supply_point, meter_number="M-1001", reading_mode="manual")
    return make_account(
        db_session,
        supply_point=supply_point,
        email="Drita.Berisha@example.com",
        phone="+38344123456",
        personal_number="1234567890",
    )


@pytest.mark.parametrize(
    "query",
    [
        {"email": "drita.berisha@EXAMPLE.com"},
        {"customer_code": "dgj-0042137"},
        {"customer_code": "DGJ0042137"},
        {"personal_number": "1234567890"},
        {"phone": "044 123 456"},
        {"phone": "+383 44 123 456"},
    ],
)
def test_lookup_by_each_key(client, support_headers, customer, query):
    response = _find(client, support_headers, **query)
    assert response.status_code == 200
    [found] = response.get_json()
    assert found["account_id"] == customer.id
    assert found["customer_code"] == "DGJ 0042137"
    assert (found["email"], found["phone"]) == ("Drita.Berisha@example.com", "+38344123456")
    assert found["verified"] is True
    meters = {m["meter_number"]: m for m in found["meters"]}
    assert set(meters) == {"M-1001", "M-2002"}
    assert meters["M-1001"]["reading_mode"] == "manual"
    assert meters["M-1001"]["customer_code"] == "DGJ 0042137"
    assert meters["M-1001"]["is_primary"] is True


def test_lookup_lists_meters_added_from_other_codes(client, db_session, support_headers, customer):
    other = make_supply_point(db_session, customer_code="DPZ 0777777")
    meter = make_meter(db_session, supply_point=other, meter_number="M-3003")
    db_session.add(SupplyPointClaim(supply_point_id=other.id, account_id=customer.id))
    db_session.flush()
    db_session.add(
        AccountMeter(
            account_id=customer.id, supply_point_id=other.id, meter_id=meter.id, nickname="Shop"
        )
    )
    db_session.flush()
    [found] = _find(client, support_headers, email=customer.email).get_json()
    added = found["meters"][-1]
    assert (added["meter_number"], added["customer_code"], added["nickname"]) == (
        "M-3003",
        "DPZ 0777777",
        "Shop",
    )
    assert added["is_primary"] is False
    # Removing the registration frees the other code too.
    response = client.delete(
        "/api/v1/staff/registrations/DGJ 0042137",
        json={"reason": "Holder request"},
        headers=support_headers,
    )
    assert response.status_code == 204
    db_session.expire_all()
    assert db_session.get(SupplyPointClaim, other.id) is None


def test_lookup_by_the_holders_personal_number_too(client, db_session, support_headers):
    supply_point = make_supply_point(db_session, personal_number="1999999999")
    account = make_account(db_session, supply_point=supply_point, personal_number="1888888888")
    [found] = _find(client, support_headers, personal_number="1999999999").get_json()
    assert found["account_id"] == account.id


@pytest.mark.parametrize(
    "query",
    [
        {"email": "nobody@example.com"},
        {"customer_code": "DPR 0000000"},
        {"personal_number": "1000000001"},
        {"phone": "049 999 888"},
    ],
)
def test_lookup_finding_nothing_is_an_empty_list(client, support_headers, customer, query):
    response = _find(client, support_headers, **query)
    assert (response.status_code, response.get_json()) == (200, [])


@pytest.mark.parametrize(
    "query",
    [{}, {"email": "a@example.com", "customer_code": "DPR 1"}, {"email": "", "phone": ""}],
)
def test_lookup_needs_exactly_one_key(client, support_headers, query):
    response = _find(client, support_headers, **query)
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"personal_number": "12345"}, "personal_number_invalid"),
        ({"phone": "038 123 456"}, "phone_not_kosovo_mobile"),
    ],
)
def test_lookup_keys_are_validated(client, support_headers, query, code):
    response = _find(client, support_headers, **query)
    assert (response.status_code, response.get_json()["code"]) == (422, code)


def test_lookup_shows_delivery_of_codes_and_messages_but_no_secrets(
    client, db_session, support_headers, customer, outbox
):
    codes.issue_code(
        db_session,
        account=customer,
        purpose="registration",
        channel="sms",
        destination=customer.phone,
    )
    db_session.commit()
    [sms] = outbox.sms
    secret = re.search(r"\d{6}", sms["body"]).group()
    response = _find(client, support_headers, customer_code="DGJ 0042137")
    [found] = response.get_json()
    [code] = found["codes"]
    assert code["channel"] == "sms"
    assert code["purpose"] == "registration"
    assert code["status"] == "sent"
    assert code["sent_at"] is not None
    assert code["carrier"]  # the operator phonenumbers knows for +383 44
    [message] = found["messages"]
    assert (message["channel"], message["kind"], message["status"]) == (
        "sms",
        "verification_code",
        "sent",
    )
    assert {"attempts", "sent_at", "created_at", "carrier"} <= set(message)
    text = json.dumps(found)
    assert secret not in text
    assert "body" not in message and "code_mac" not in code


# --- the password reset, end to end ---------------------------------------------------------
