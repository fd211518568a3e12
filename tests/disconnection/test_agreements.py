"""Payment agreements: 2-12 monthly installments of the debt, in force once the first is paid
(Art. 25.1), broken by a missed one, which starts a new warning (Art. 16.1a)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from ekesco_api.clock import local_date, local_today
from ekesco_api.disconnection.agreements import sweep
from ekesco_api.disconnection.deadlines import pay_by
from ekesco_api.disconnection.models import PaymentAgreement
from ekesco_api.payments.arrangement_models import DueArrangement
from ekesco_api.payments.arrangements import schedule, standing
from ekesco_api.types import utcnow
from tests.disconnection.helpers import Scenario
from tests.factories import make_bill, make_cis_payment
from tests.support.auth import API
from tests.support.customers import make_customer


def indebted(db_session, total: str = "100.00"):
    customer = make_customer(db_session)
    make_bill(
        db_session,
        supply_point=customer.supply_point,
        period="2026-10",
        energy_amount=Decimal(total),
        fixed_fee=Decimal("0.00"),
        vat_amount=Decimal("0.00"),
    )
    return customer


def propose(client, customer, installments: int):
    return client.post(
        f"{API}/meters/{customer.meter.id}/payment-agreement",
        json={"installments": installments},
        headers=customer.headers,
    )


def pay(db_session, customer, amount: str, at: dt.datetime | None = None) -> None:
    make_cis_payment(
        db_session,
        supply_point=customer.supply_point,
        amount=Decimal(amount),
        paid_at=at or utcnow(),
    )
    db_session.commit()


def test_the_schedule_is_monthly_from_today_and_adds_up():
    parts = schedule(Decimal("100.00"), 3, dt.date(2027, 1, 31))
    assert [(p.due_on, p.amount) for p in parts] == [
        (dt.date(2027, 1, 31), Decimal("33.33")),
        (dt.date(2027, 2, 28), Decimal("33.33")),
        (dt.date(2027, 3, 31), Decimal("33.34")),
    ]
    leap = schedule(Decimal("10.00"), 2, dt.date(2028, 1, 31))
    assert leap[1].due_on == dt.date(2028, 2, 29)


def test_payments_fill_installments_in_order():
    parts = schedule(Decimal("90.00"), 3, dt.date(2027, 1, 10))
    early = standing(parts, Decimal("40.00"), dt.date(2027, 1, 10))
    assert (early.covered, early.next.number, early.next_left, early.due_now) == (
        1,
        2,
        Decimal("20.00"),
        Decimal("0.00"),
    )
    late = standing(parts, Decimal("40.00"), dt.date(2027, 2, 11))
    assert late.overdue.number == 2 and late.due_now == Decimal("20.00")


def test_a_proposal_spreads_the_outstanding_debt(client, db_session):
    customer = indebted(db_session, "100.00")
    response = propose(client, customer, 3)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "proposed"
    assert [i["amount"] for i in body["installments"]] == ["33.33", "33.33", "33.34"]
    assert body["installments"][0]["due_on"] == local_today().isoformat()
    again = propose(client, customer, 2)
    assert (again.status_code, again.get_json()["code"]) == (409, "agreement_exists")


def test_installments_are_2_to_12(client, db_session):
    customer = indebted(db_session)
    for count in (1, 13, 2.5, "3"):
        assert propose(client, customer, count).status_code == 422, count


def test_no_debt_no_agreement(client, db_session):
    customer = make_customer(db_session)
    response = propose(client, customer, 3)
    assert (response.status_code, response.get_json()["code"]) == (409, "no_debt")


def test_paying_the_first_installment_puts_it_in_force_and_suspends_the_case(client, db_session):
    customer = indebted(db_session, "100.00")
    point = customer.supply_point
    story = Scenario(db_session, point.customer_code, point.id, start=30).warned("100.00")
    assert propose(client, customer, 4).status_code == 201

    pay(db_session, customer, "25.00")

    body = client.get(
        f"{API}/meters/{customer.meter.id}/payment-agreement", headers=customer.headers
    ).get_json()
    assert body["status"] == "active"
    assert [i["paid"] for i in body["installments"]] == [True, False, False, False]
    case = client.get(
        f"{API}/meters/{customer.meter.id}/disconnection", headers=customer.headers
    ).get_json()
    assert (case["state"], case["suspended_by"]) == ("suspended", "payment_agreement")
    balance = client.get(
        f"{API}/meters/{customer.meter.id}/balance", headers=customer.headers
    ).get_json()
    assert balance["arrangement"]["kind"] == "payment_agreement"
    assert balance["arrangement"]["next_installment"]["number"] == 2
    assert story.case.stage == "warned"


def test_art_16_1a_a_missed_installment_breaks_it_and_warns_anew(db_session, client, outbox):
    customer = indebted(db_session, "100.00")
    assert propose(client, customer, 2).status_code == 201
    agreement = db_session.scalars(select(PaymentAgreement)).one()
    # Made 40 days ago: the second installment's day has passed unpaid.
    arrangement = db_session.get(DueArrangement, agreement.arrangement_id)
    past = utcnow() - dt.timedelta(days=40)
    arrangement.counted_from = agreement.created_at = past
    arrangement.first_due_on = past.date()
    pay(db_session, customer, "50.00", at=past + dt.timedelta(hours=1))

    done = sweep(db_session, now=utcnow())

    assert done["warnings"] == 1
    db_session.refresh(agreement)
    assert agreement.status == "broken"
    case = client.get(
        f"{API}/meters/{customer.meter.id}/disconnection", headers=customer.headers
    ).get_json()
    assert (case["state"], case["reason"], case["amount_due"]) == (
        "warned",
        "installment_missed",
        "50.00",
    )
    assert case["notices"][0]["kind"] == "warning"
    assert sweep(db_session, now=utcnow())["warnings"] == 0  # once


def _broken_ten_days_ago(db_session, client, customer):
    """An agreement of 2 made 40 days ago: the first paid, the second's day 10 days gone."""
    assert propose(client, customer, 2).status_code == 201
    agreement = db_session.scalars(select(PaymentAgreement)).one()
    arrangement = db_session.get(DueArrangement, agreement.arrangement_id)
    past = utcnow() - dt.timedelta(days=40)
    arrangement.counted_from = agreement.created_at = past
    arrangement.first_due_on = local_date(past)
    pay(db_session, customer, "50.00", at=past + dt.timedelta(hours=1))
    return agreement


def test_art_15_2_the_warning_after_a_break_gives_15_days_from_its_sending(db_session, client):
    customer = indebted(db_session, "100.00")
    _broken_ten_days_ago(db_session, client, customer)
    now = utcnow()

    assert sweep(db_session, now=now)["warnings"] == 1

    case = client.get(
        f"{API}/meters/{customer.meter.id}/disconnection", headers=customer.headers
    ).get_json()
    # Dated at the break, the warning would have left the customer 5 of the 15 days.
    assert case["deadlines"]["pay_by"] == pay_by(now).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert case["notices"][0]["issued_at"] == case["history"][-1]["at"]


def test_an_unpaid_proposal_lapses_without_a_warning(db_session, client):
    customer = indebted(db_session)
    assert propose(client, customer, 2).status_code == 201
    agreement = db_session.scalars(select(PaymentAgreement)).one()
    arrangement = db_session.get(DueArrangement, agreement.arrangement_id)
    arrangement.first_due_on = (utcnow() - dt.timedelta(days=3)).date()
    db_session.commit()
    assert sweep(db_session, now=utcnow())["warnings"] == 0
    db_session.refresh(agreement)
    assert agreement.status == "broken"
    assert propose(client, customer, 3).status_code == 201  # a new one may be made


def test_art_25_1_an_agreement_in_force_is_a_reason_to_reconnect(client, db_session):
    customer = indebted(db_session, "100.00")
    point = customer.supply_point
    Scenario(db_session, point.customer_code, point.id, start=23).warned().noticed().disconnected()
    url = f"{API}/meters/{customer.meter.id}/reconnection"
    assert client.post(url, headers=customer.headers).status_code == 409
    assert propose(client, customer, 2).status_code == 201
    pay(db_session, customer, "50.00")
    response = client.post(url, headers=customer.headers)
    assert response.status_code == 201, response.get_json()


def test_the_balance_shows_the_arrangement_the_same_through_both_serializers(db_session):
    from ekesco_api.balance.schemas import MeterBalanceSchema, dump_meter_balance
    from ekesco_api.balance.service import meter_balance
    from ekesco_api.disconnection.agreements import propose as propose_agreement

    customer = indebted(db_session, "100.00")
    propose_agreement(
        db_session,
        account_id=customer.account.id,
        meter_id=customer.meter.id,
        installments=4,
        now=utcnow(),
    )
    pay(db_session, customer, "30.00")
    row = meter_balance(db_session, account_id=customer.account.id, meter_id=customer.meter.id)
    assert dump_meter_balance(row) == MeterBalanceSchema().dump(row)
    assert dump_meter_balance(row)["arrangement"] == {
        "kind": "payment_agreement",
        "total": "100.00",
        "installments": 4,
        "paid": "30.00",
        "due_now": "0.00",
        "next_installment": {
            "number": 2,
            "due_on": dump_meter_balance(row)["arrangement"]["next_installment"]["due_on"],
            "amount": "25.00",
            "left": "20.00",
        },
    }
