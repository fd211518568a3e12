"""Masking per supply point: an added code is masked unless its holder is the customer.

The account's `name_matches_holder` speaks for its own code only. A customer whose name matches
their own code can add another holder's meter knowing just the code and the meter number; that
holder's name and address stay masked for them in GET /meters, GET /meters/{id}, GET /bills/{id}
and the printed bill.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tests.factories import make_bill, make_meter, make_supply_point
from tests.support.auth import API
from tests.support.customers import OTHER_NAME, Customer, add_meter, make_customer
from tests.support.pdf import pdf_text
from tests.support.statements import count_statements

OWN_STREET = "Rr. Nëna Terezë 12"
OWN_ADDRESS = "Rr. Nëna Terezë 12, Dardania, Prishtinë"
OWN_MASKED = "Rr**. Në** Te** **, Da**, Pr**"
OTHER_ADDRESS = "Rr. Agim Ramadani 5, Ulpiana, Prishtinë"
OTHER_MASKED = "Rr**. Ag** Ra** **, Ul**, Pr**"


def _added(client: Any, session: Session, customer: Customer, first: str, last: str) -> Any:
    """A meter of a supply point held by `first last`, added to the customer's account."""
    point = make_supply_point(
        session,
        first_name=first,
        last_name=last,
        street="Rr. Agim Ramadani 5",
        neighbourhood="Ulpiana",
    )
    meter = make_meter(session, supply_point=point)
    response = add_meter(client, customer, meter)
    assert response.status_code == 201, response.get_json()
    return meter, response.get_json()


def _addresses(client: Any, customer: Customer) -> dict[int, str]:
    response = client.get(f"{API}/meters", headers=customer.headers)
    assert response.status_code == 200
    return {m["id"]: m["address"] for m in response.get_json()}


def _bill(client: Any, customer: Customer, bill_id: int) -> dict[str, Any]:
    response = client.get(f"{API}/bills/{bill_id}", headers=customer.headers)
    assert response.status_code == 200
    body = response.get_json()
    return {k: body[k] for k in ("holder_name", "address", "masked")}


def _pdf(client: Any, customer: Customer, bill_id: int) -> str:
    response = client.get(f"{API}/bills/{bill_id}/pdf", headers=customer.headers)
    assert response.status_code == 200
    return pdf_text(response.data)


# --- Another holder's code ---------------------------------------------------------------------


def test_another_holders_meter_is_masked_though_the_customers_own_name_matches(client, db_session):
    customer = make_customer(db_session, street=OWN_STREET)
    meter, created = _added(client, db_session, customer, "Drita", "Berisha")

    assert created["address"] == OTHER_MASKED
    assert _addresses(client, customer) == {
        customer.meter.id: OWN_ADDRESS,
        meter.id: OTHER_MASKED,
    }
    one = client.get(f"{API}/meters/{meter.id}", headers=customer.headers).get_json()
    assert one["address"] == OTHER_MASKED
    renamed = client.patch(
        f"{API}/meters/{meter.id}", json={"nickname": "Banesa"}, headers=customer.headers
    ).get_json()
    assert renamed["address"] == OTHER_MASKED
    # The account's own flag is about its own code, and stays so.
    me = client.get(f"{API}/me", headers=customer.headers).get_json()
    assert me["name_matches_holder"] is True


def test_another_holders_bill_and_its_pdf_are_masked(client, db_session):
    customer = make_customer(db_session, street=OWN_STREET)
    meter, _ = _added(client, db_session, customer, "Drita", "Berisha")
    theirs = make_bill(db_session, supply_point=meter.supply_point)
    own = make_bill(db_session, supply_point=customer.supply_point)

    assert _bill(client, customer, theirs.id) == {
        "holder_name": "Dr** Be**",
        "address": OTHER_MASKED,
        "masked": True,
    }
    assert _bill(client, customer, own.id) == {
        "holder_name": "Arben Krasniqi",
        "address": OWN_ADDRESS,
        "masked": False,
    }

    text = _pdf(client, customer, theirs.id)
    assert "Dr** Be**" in text and "Rr**. Ag** Ra** **" in text
    assert "Drita" not in text and "Berisha" not in text
    assert "Agim" not in text and "Ramadani" not in text
    assert theirs.bill_number in text
    assert "Arben Krasniqi" in _pdf(client, customer, own.id)


def test_a_code_held_under_the_customers_own_name_is_shown(client, db_session):
    # Their second home: the CIS spells the name with the diacritic, registration did not.
    customer = make_customer(db_session, street=OWN_STREET)
    meter, created = _added(client, db_session, customer, "Arbën", "Krasniqi")
    bill = make_bill(db_session, supply_point=meter.supply_point)

    assert created["address"] == OTHER_ADDRESS
    assert _addresses(client, customer)[meter.id] == OTHER_ADDRESS
    assert _bill(client, customer, bill.id) == {
        "holder_name": "Arbën Krasniqi",
        "address": OTHER_ADDRESS,
        "masked": False,
    }
    text = _pdf(client, customer, bill.id)
    assert "Arbën Krasniqi" in text and "Agim Ramadani" in text


def test_a_customer_whose_own_name_does_not_match_still_sees_their_own_code_masked(
    client, db_session
):
    customer = make_customer(db_session, name_matches_holder=False, street=OWN_STREET)
    own_bill = make_bill(db_session, supply_point=customer.supply_point)
    stranger, _ = _added(client, db_session, customer, "Drita", "Berisha")
    # A code held under the name this customer registered with is theirs to see.
    theirs, _ = _added(client, db_session, customer, *OTHER_NAME)
    theirs_bill = make_bill(db_session, supply_point=theirs.supply_point)

    assert _addresses(client, customer) == {
        customer.meter.id: OWN_MASKED,
        stranger.id: OTHER_MASKED,
        theirs.id: OTHER_ADDRESS,
    }
    assert _bill(client, customer, own_bill.id) == {
        "holder_name": "Ar** Kr**",
        "address": OWN_MASKED,
        "masked": True,
    }
    text = _pdf(client, customer, own_bill.id)
    assert "Ar** Kr**" in text and "Arben" not in text and "Krasniqi" not in text
    assert _bill(client, customer, theirs_bill.id)["masked"] is False
    me = client.get(f"{API}/me", headers=customer.headers).get_json()
    assert me["name_matches_holder"] is False


def test_the_own_code_follows_the_accounts_flag(client, db_session):
    # The flag GET /me shows decides the own code, whatever this request would compute: the
    # CIS import keeps it to names_match, and the app never says one thing and shows another.
    customer = make_customer(db_session, street=OWN_STREET)
    customer.account.name_matches_holder = False
    db_session.flush()
    bill = make_bill(db_session, supply_point=customer.supply_point)

    assert _addresses(client, customer) == {customer.meter.id: OWN_MASKED}
    assert _bill(client, customer, bill.id)["masked"] is True


def test_a_renamed_holder_of_an_added_code_is_masked_at_once(client, db_session):
    customer = make_customer(db_session)
    meter, created = _added(client, db_session, customer, "Arben", "Krasniqi")
    assert created["address"] == OTHER_ADDRESS

    meter.supply_point.last_name = "Gashi"
    db_session.flush()

    assert _addresses(client, customer)[meter.id] == OTHER_MASKED


# --- Statements ------------------------------------------------------------------------------


def _statements(client: Any, url: str, headers: dict[str, str]) -> int:
    client.get(url, headers=headers)  # warm
    with count_statements() as statements:
        assert client.get(url, headers=headers).status_code == 200
    return len(statements)


def test_masking_per_code_reads_nothing_more(client, db_session):
    customer = make_customer(db_session)
    meter, _ = _added(client, db_session, customer, "Drita", "Berisha")
    own = make_bill(db_session, supply_point=customer.supply_point)
    theirs = make_bill(db_session, supply_point=meter.supply_point)

    detail = [_statements(client, f"{API}/bills/{b.id}", customer.headers) for b in (own, theirs)]
    pdf = [_statements(client, f"{API}/bills/{b.id}/pdf", customer.headers) for b in (own, theirs)]

    # Token check; the bill with its holder and the account's names in one statement; its
    # siblings; the payments; the tariffs.
    assert detail == [5, 5]
    assert pdf[0] == pdf[1]
