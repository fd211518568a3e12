"""The customer's endpoints: the case, an objection (Art. 19), a reconnection (Art. 25)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ekesco_api.disconnection.deadlines import objection_by, pay_by
from ekesco_api.notifications.models import Notification
from ekesco_api.types import utcnow
from tests.disconnection.helpers import Scenario, notice_of
from tests.factories import make_app_payment, make_bill, make_cis_payment, make_meter
from tests.support.auth import API
from tests.support.customers import make_customer
from tests.support.statements import count_statements

# token check; meter and code; the case with its notices, objections and certificate; the
# payments since the warning; the agreements; the inbox receipts
CASE_STATEMENTS = 10


def iso(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def story_of(db_session, customer, start: float = 60) -> Scenario:
    point = customer.supply_point
    return Scenario(db_session, point.customer_code, point.id, start=start)


def case_of(client, customer):
    response = client.get(
        f"{API}/meters/{customer.meter.id}/disconnection", headers=customer.headers
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_no_case_answers_none_with_the_fees_of_the_category(client, db_session):
    home = make_customer(db_session)
    shop = make_customer(db_session, category="commercial")
    assert case_of(client, home) | {"fees": None} == {
        "case_id": None,
        "customer_code": home.supply_point.customer_code,
        "state": "none",
        "reason": None,
        "amount_due": "0.00",
        "undisputed_amount": None,
        "deadlines": {},
        "suspended_by": None,
        "outcome": None,
        "reconnection_reference": None,
        "notices": [],
        "fees": None,
        "history": [],
    }
    assert case_of(client, home)["fees"] == {
        "notice": "5.00",
        "disconnection": "15.00",
        "reconnection": "15.00",
    }
    assert case_of(client, shop)["fees"]["reconnection"] == "30.00"


def test_another_accounts_meter_is_404(client, db_session):
    mine, theirs = make_customer(db_session), make_customer(db_session)
    response = client.get(f"{API}/meters/{theirs.meter.id}/disconnection", headers=mine.headers)
    assert response.status_code == 404


def test_a_warned_case_shows_its_deadlines_notices_and_history(client, db_session):
    customer = make_customer(db_session)
    story = story_of(db_session, customer, start=5)
    assert story.event("warning", 0, "80.00") is None

    body = case_of(client, customer)
    assert (body["state"], body["reason"], body["amount_due"]) == ("warned", "non_payment", "80.00")
    assert body["deadlines"] == {"pay_by": iso(pay_by(story.at(0)))}
    [notice] = body["notices"]
    assert notice["kind"] == "warning" and notice["delivered_at"] is None
    assert notice["channels"] == ["inbox", "email", "sms"]
    assert [h["state"] for h in body["history"]] == ["warned"]

    # Opening the warning in the inbox shows it received: the time to object starts then.
    entry = db_session.get(
        Notification, notice_of(db_session, story.case, "warning").notification_id
    )
    response = client.post(f"{API}/me/notifications/{entry.id}/read", headers=customer.headers)
    assert response.status_code == 200
    body = case_of(client, customer)
    read_at = db_session.get(Notification, entry.id).read_at
    assert body["notices"][0]["delivered_at"] == iso(read_at)
    assert body["notices"][0]["delivered_by"] == "inbox"
    assert body["deadlines"]["objection_by"] == iso(objection_by(read_at))


def test_art_19_1_an_objection_suspends_the_case(client, db_session):
    customer = make_customer(db_session)
    story_of(db_session, customer).warned().noticed()
    url = f"{API}/meters/{customer.meter.id}/disconnection/objection"

    response = client.post(
        url, json={"reason": "I paid at the post office."}, headers=customer.headers
    )

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "open"
    body = case_of(client, customer)
    assert (body["state"], body["suspended_by"]) == ("suspended", "objection")
    assert "earliest_disconnection" not in body["deadlines"]
    again = client.post(url, json={"reason": "again"}, headers=customer.headers)
    assert (again.status_code, again.get_json()["code"]) == (409, "objection_open")


def test_an_objection_without_a_case_is_409(client, db_session):
    customer = make_customer(db_session)
    response = client.post(
        f"{API}/meters/{customer.meter.id}/disconnection/objection",
        json={"reason": "?"},
        headers=customer.headers,
    )
    assert (response.status_code, response.get_json()["code"]) == (409, "no_disconnection_pending")


def _bills(db_session, point, months: int, charges: str = "30.00") -> list:
    """Monthly bills ending 2026-06, each with `charges` of energy (fee and VAT zero)."""
    bills = []
    for n in range(months):
        year, month = divmod(2026 * 12 + 5 - (months - 1 - n), 12)
        bills.append(
            make_bill(
                db_session,
                supply_point=point,
                period=f"{year}-{month + 1:02d}",
                energy_amount=Decimal(charges),
                fixed_fee=Decimal("0.00"),
                vat_amount=Decimal("0.00"),
            )
        )
    return bills


def test_art_19_5_a_disputed_bill_leaves_the_6_month_average_due(client, db_session):
    customer = make_customer(db_session)
    bills = _bills(db_session, customer.supply_point, 14)  # supplied 13 months before the last
    bills[-2].energy_amount = Decimal("90.00")  # within the 6 months: lifts the average
    bills[-9].energy_amount = Decimal("900.00")  # 8 months back: outside the window
    disputed = make_bill(
        db_session,
        supply_point=customer.supply_point,
        period="2026-07",
        energy_amount=Decimal("500.00"),
    )
    story_of(db_session, customer).warned()

    response = client.post(
        f"{API}/meters/{customer.meter.id}/disconnection/objection",
        json={"reason": "The reading is wrong.", "bill_id": disputed.id},
        headers=customer.headers,
    )

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["undisputed_amount"] == "40.00"  # (5 × 30 + 90) / 6
    body = case_of(client, customer)
    assert (body["suspended_by"], body["undisputed_amount"]) == ("disputed_bill", "40.00")
    balance = client.get(f"{API}/meters/{customer.meter.id}/balance", headers=customer.headers)
    arrangement = balance.get_json()["arrangement"]
    assert (arrangement["kind"], arrangement["total"]) == ("disputed_bill", "40.00")


def test_art_19_5_a_younger_supply_averages_3_months(client, db_session):
    customer = make_customer(db_session)
    bills = _bills(db_session, customer.supply_point, 5)
    bills[0].energy_amount = Decimal("300.00")  # 4 months back: outside 3
    bills[-1].energy_amount = Decimal("60.00")
    disputed = make_bill(db_session, supply_point=customer.supply_point, period="2026-07")
    story_of(db_session, customer).warned()
    response = client.post(
        f"{API}/meters/{customer.meter.id}/disconnection/objection",
        json={"reason": "Wrong.", "bill_id": disputed.id},
        headers=customer.headers,
    )
    assert response.get_json()["undisputed_amount"] == "28.88"  # capped by the bill's own 28.88


def test_a_bill_of_another_code_cannot_be_disputed(client, db_session):
    customer, other = make_customer(db_session), make_customer(db_session)
    bill = make_bill(db_session, supply_point=other.supply_point)
    story_of(db_session, customer).warned()
    response = client.post(
        f"{API}/meters/{customer.meter.id}/disconnection/objection",
        json={"reason": "x", "bill_id": bill.id},
        headers=customer.headers,
    )
    assert (response.status_code, response.get_json()["code"]) == (422, "bill_unknown")


def test_art_6_2_an_app_payment_covering_the_debt_suspends_the_case(client, db_session):
    customer = make_customer(db_session)
    story = story_of(db_session, customer).warned("50.00").noticed()
    payment = make_app_payment(db_session, customer.meter, "50.00")
    payment.completed_at = story.at(18)  # confirmed by the bank after the notice
    db_session.commit()

    assert case_of(client, customer)["suspended_by"] == "payment"
    refusal = story.event("disconnected", 59.9)
    assert (refusal.code, refusal.article) == ("ero_paid", "6.2")


def test_art_6_2_a_cis_payment_short_of_the_debt_does_not(client, db_session):
    customer = make_customer(db_session)
    story = story_of(db_session, customer).warned("50.00").noticed()
    make_cis_payment(
        db_session,
        supply_point=customer.supply_point,
        amount=Decimal("49.99"),
        paid_at=story.at(18),
    )
    db_session.commit()
    assert case_of(client, customer)["state"] == "notice_given"
    assert story.event("disconnected", 22) is None


def test_reconnection_needs_a_disconnection_and_the_debt_paid(client, db_session):
    customer = make_customer(db_session)
    url = f"{API}/meters/{customer.meter.id}/reconnection"
    story = story_of(db_session, customer).warned("50.00").noticed()
    response = client.post(url, headers=customer.headers)
    assert (response.status_code, response.get_json()["code"]) == (409, "not_disconnected")

    story.disconnected()
    response = client.post(url, headers=customer.headers)
    assert (response.status_code, response.get_json()["code"]) == (409, "debt_outstanding")

    make_cis_payment(
        db_session,
        supply_point=customer.supply_point,
        amount=Decimal("50.00"),
        paid_at=utcnow() - dt.timedelta(minutes=5),
    )
    db_session.commit()
    before = utcnow().replace(microsecond=0)
    response = client.post(url, headers=customer.headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    due = dt.datetime.fromisoformat(body["due_by"])
    assert before + dt.timedelta(hours=24) <= due <= utcnow() + dt.timedelta(hours=24)
    assert body["fee"] == "15.00" and body["reference"].startswith("RC-")
    assert case_of(client, customer)["state"] == "reconnection_due"

    again = client.post(url, headers=customer.headers)
    assert again.status_code == 200 and again.get_json()["reference"] == body["reference"]


def test_art_25_2_contesting_a_disconnection_makes_reconnection_due_48_hours_after_it(
    client, db_session
):
    customer = make_customer(db_session)
    story = story_of(db_session, customer, start=23).warned().noticed().disconnected()
    response = client.post(
        f"{API}/meters/{customer.meter.id}/disconnection/objection",
        json={"reason": "I never got the notice."},
        headers=customer.headers,
    )
    assert response.status_code == 201
    body = case_of(client, customer)
    assert body["state"] == "reconnection_due"
    assert body["deadlines"]["reconnection_due_by"] == iso(story.at(22) + dt.timedelta(hours=48))


def test_a_second_meter_of_the_code_shows_the_same_case(client, db_session):
    customer = make_customer(db_session)
    second = make_meter(db_session, supply_point=customer.supply_point)
    story = story_of(db_session, customer).warned()
    response = client.get(f"{API}/meters/{second.id}/disconnection", headers=customer.headers)
    assert response.get_json()["state"] == "warned"
    # Art. 17a: the warning names every meter of the code.
    warning = db_session.get(
        Notification, notice_of(db_session, story.case, "warning").notification_id
    )
    assert customer.meter.meter_number in warning.body and second.meter_number in warning.body


def test_the_case_is_read_in_a_fixed_number_of_statements(client, db_session):
    customer = make_customer(db_session)
    story_of(db_session, customer).warned().noticed()
    for _ in range(3):
        client.post(
            f"{API}/meters/{customer.meter.id}/disconnection/objection",
            json={"reason": "x"},
            headers=customer.headers,
        )
    url, headers = f"{API}/meters/{customer.meter.id}/disconnection", customer.headers
    db_session.expunge_all()
    with count_statements() as statements:
        assert client.get(url, headers=headers).get_json()["state"] == "suspended"
    assert len(statements) == CASE_STATEMENTS, statements
