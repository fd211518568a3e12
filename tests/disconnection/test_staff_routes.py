"""Support's and the admin's side: medical certificates (Art. 20.1), objections decided (Art.
19), receipts confirmed (Art. 18.2), the lists, the regulator's report (Art. 29), 3-year records."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from sqlalchemy import select

from ekesco_api.accounts.removal import delete_accounts
from ekesco_api.clock import ZONE
from ekesco_api.disconnection import customer as customer_service
from ekesco_api.disconnection.deadlines import start_of
from ekesco_api.disconnection.models import DisconnectionCase, DisconnectionEvent, Objection
from ekesco_api.disconnection.staff import decide_objection, record_medical_certificate
from ekesco_api.notifications.models import Notification
from ekesco_api.staff.audit import Actor
from ekesco_api.staff.models import AuditEntry
from ekesco_api.types import utcnow
from tests.disconnection.helpers import Scenario, ago, notice_of
from tests.factories import (
    DEFAULT_PASSWORD,
    make_bill,
    make_cis_payment,
    make_staff,
    make_supply_point,
)
from tests.support.auth import API, dispatcher_headers
from tests.support.customers import make_customer
from tests.support.statements import count_statements, queries


def support(db_session):
    return dispatcher_headers(db_session, role="support")


def actor(db_session) -> Actor:
    member = make_staff(db_session)
    return Actor(member.id, member.role, member.email)


def story_of(db_session, customer, start: float = 60) -> Scenario:
    point = customer.supply_point
    return Scenario(db_session, point.customer_code, point.id, start=start)


def object_(client, customer, reason="It is not my debt."):
    response = client.post(
        f"{API}/meters/{customer.meter.id}/disconnection/objection",
        json={"reason": reason},
        headers=customer.headers,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def case_of(client, customer):
    return client.get(
        f"{API}/meters/{customer.meter.id}/disconnection", headers=customer.headers
    ).get_json()


def test_upholding_an_objection_ends_the_case_and_tells_the_customer(client, db_session, outbox):
    customer = make_customer(db_session, language="en")
    story_of(db_session, customer).warned().noticed()
    objection_id = object_(client, customer)
    headers = support(db_session)

    response = client.patch(
        f"{API}/staff/objections/{objection_id}",
        json={"decision": "upheld", "note": "Paid at the post office."},
        headers=headers,
    )

    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["status"], response.get_json()["case_state"]) == ("upheld", "none")
    body = case_of(client, customer)
    assert (body["state"], body["outcome"]) == ("none", "objection_upheld")
    assert body["notices"][-1]["kind"] == "decision"
    assert "upheld" in outbox.email[-1]["subject"]
    entry = db_session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.outcome, entry.reason) == (
        "disconnection_objection_decide",
        "success",
        "Paid at the post office.",
    )
    again = client.patch(
        f"{API}/staff/objections/{objection_id}",
        json={"decision": "rejected", "note": "x"},
        headers=headers,
    )
    assert (again.status_code, again.get_json()["code"]) == (409, "objection_closed")


def test_a_rejected_objection_resumes_three_days_after_the_decision_is_received(db_session):
    customer = make_customer(db_session)
    story = story_of(db_session, customer).warned().noticed()
    objection = customer_service.object_to_case(
        db_session,
        account_id=customer.account.id,
        meter_id=customer.meter.id,
        reason="Not mine.",
        bill_id=None,
        now=story.at(20),
    )
    decide_objection(
        db_session,
        actor=actor(db_session),
        objection_id=objection["id"],
        decision="rejected",
        note="The bills are right.",
        now=story.at(23),
    )

    refusal = story.event("disconnected", 24)
    assert (refusal.code, refusal.article) == ("ero_decision_not_received", "19.1")
    decision = notice_of(db_session, story.case, "decision")
    decision.received_at, decision.received_by = story.at(25), "phone"
    db_session.commit()
    refusal = story.event("disconnected", 27)
    assert (refusal.code, refusal.article) == ("ero_too_soon", "19.1")
    assert story.event("disconnected", 28.5) is None


def test_art_20_1_a_medical_certificate_postpones_by_ten_days_once(client, db_session):
    customer = make_customer(db_session)
    story = story_of(db_session, customer, start=24).warned().noticed()
    url = f"{API}/staff/disconnections/{story.case.id}/medical-certificate"
    headers = support(db_session)

    response = client.post(url, json={"issued_on": ago(1).date().isoformat()}, headers=headers)

    assert response.status_code == 201, response.get_json()
    until = dt.datetime.fromisoformat(response.get_json()["postponed_until"])
    assert dt.timedelta(days=9) <= until - utcnow() <= dt.timedelta(days=10, hours=1)
    assert case_of(client, customer)["suspended_by"] == "medical_certificate"
    second = client.post(url, json={"issued_on": ago(0).date().isoformat()}, headers=headers)
    assert (second.status_code, second.get_json()["code"]) == (409, "medical_certificate_recorded")


def test_art_20_1_the_postponement_holds_a_cis_disconnection_for_ten_days(db_session):
    customer = make_customer(db_session)
    story = story_of(db_session, customer).warned().noticed()  # due from day 21
    answer = record_medical_certificate(
        db_session,
        actor=actor(db_session),
        case_id=story.case.id,
        issued_on=story.at(20).date(),
        now=story.at(20),
    )
    assert answer["postponed_until"] == start_of(
        story.at(21).astimezone(ZONE).date() + dt.timedelta(days=10)
    )
    refusal = story.event("disconnected", 30.5)
    assert (refusal.code, refusal.article) == ("ero_medical_postponement", "20.1")
    assert story.event("disconnected", 31.5) is None


def test_a_certificate_after_the_disconnection_is_409(client, db_session):
    customer = make_customer(db_session)
    story = story_of(db_session, customer, start=23).warned().noticed().disconnected()
    response = client.post(
        f"{API}/staff/disconnections/{story.case.id}/medical-certificate",
        json={"issued_on": ago(0).date().isoformat()},
        headers=support(db_session),
    )
    assert (response.status_code, response.get_json()["code"]) == (409, "no_disconnection_pending")


def test_customers_cannot_use_staff_routes_and_support_cannot_report(client, db_session):
    customer = make_customer(db_session)
    assert client.get(f"{API}/staff/disconnections", headers=customer.headers).status_code == 403
    response = client.get(
        f"{API}/staff/disconnections/report?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z",
        headers=support(db_session),
    )
    assert response.status_code == 403


def test_overdue_reconnections_come_first(client, db_session):
    late, fresh, warned = (make_customer(db_session) for _ in range(3))
    story_of(db_session, late, start=30).warned().noticed().disconnected()
    object_(client, late)  # contested: due 48 h after the disconnection, days ago
    story_of(db_session, fresh, start=23).warned().noticed().disconnected()
    story_of(db_session, warned, start=2).warned()

    rows = client.get(f"{API}/staff/disconnections", headers=support(db_session)).get_json()

    assert rows[0]["customer_code"] == late.supply_point.customer_code
    assert (rows[0]["overdue"], rows[0]["state"]) == (True, "reconnection_due")
    only = client.get(
        f"{API}/staff/disconnections?overdue=true", headers=support(db_session)
    ).get_json()
    assert [r["customer_code"] for r in only] == [late.supply_point.customer_code]
    by_state = client.get(
        f"{API}/staff/disconnections?state=warned", headers=support(db_session)
    ).get_json()
    assert [r["customer_code"] for r in by_state] == [warned.supply_point.customer_code]


def test_the_list_shows_and_filters_suspended_cases_as_the_customer_sees_them(client, db_session):
    objected, paid, agreed, medical, waiting = (make_customer(db_session) for _ in range(5))
    for customer in (objected, paid, agreed, medical, waiting):
        story_of(db_session, customer, start=20).warned("50.00").noticed()
    object_(client, objected)
    make_cis_payment(
        db_session, supply_point=paid.supply_point, amount=Decimal("50.00"), paid_at=utcnow()
    )
    make_bill(db_session, supply_point=agreed.supply_point, energy_amount=Decimal("40.00"))
    db_session.commit()
    plan = client.post(
        f"{API}/meters/{agreed.meter.id}/payment-agreement",
        json={"installments": 2},
        headers=agreed.headers,
    ).get_json()
    first = plan["installments"][0]["amount"]
    make_cis_payment(
        db_session, supply_point=agreed.supply_point, amount=Decimal(first), paid_at=utcnow()
    )
    db_session.commit()
    record_medical_certificate(
        db_session,
        actor=actor(db_session),
        case_id=story_of(db_session, medical).case.id,
        issued_on=dt.date.today(),
        now=utcnow(),
    )
    headers = support(db_session)

    def listed(query: str = "") -> dict[str, str]:
        rows = client.get(f"{API}/staff/disconnections{query}", headers=headers).get_json()
        return {row["customer_code"]: row["state"] for row in rows}

    held = {c.supply_point.customer_code for c in (objected, paid, agreed, medical)}
    code = waiting.supply_point.customer_code
    assert listed() == {**dict.fromkeys(held, "suspended"), code: "notice_given"}
    assert set(listed("?state=suspended")) == held
    assert listed("?state=notice_given") == {code: "notice_given"}
    for customer in (objected, paid, agreed, medical):
        assert case_of(client, customer)["state"] == "suspended"


def test_art_18_2_notices_not_received_in_two_working_days_are_listed_to_phone(client, db_session):
    customer = make_customer(db_session)
    story = story_of(db_session, customer, start=10)
    story.event("warning", 0, "40.00")
    notice = notice_of(db_session, story.case, "warning")
    notice.confirm_by = ago(1)  # sent days ago: the 2 working days are over
    db_session.commit()
    headers = support(db_session)

    rows = client.get(f"{API}/staff/disconnections/notices", headers=headers).get_json()
    assert [(r["id"], r["phone"]) for r in rows] == [(notice.id, customer.account.phone)]

    response = client.post(
        f"{API}/staff/disconnections/notices/{notice.id}/receipt",
        json={"received_by": "phone"},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    assert client.get(f"{API}/staff/disconnections/notices", headers=headers).get_json() == []
    assert case_of(client, customer)["notices"][0]["delivered_by"] == "phone"
    again = client.post(
        f"{API}/staff/disconnections/notices/{notice.id}/receipt",
        json={"received_by": "visit"},
        headers=headers,
    )
    assert (again.status_code, again.get_json()["code"]) == (409, "notice_received")


def test_art_18_2_a_receipt_cannot_come_before_the_notice_was_sent(client, db_session):
    customer = make_customer(db_session)
    story = story_of(db_session, customer, start=10)
    story.event("warning", 0, "40.00")
    notice = notice_of(db_session, story.case, "warning")
    url = f"{API}/staff/disconnections/notices/{notice.id}/receipt"
    before = (notice.issued_at - dt.timedelta(days=5)).isoformat().replace("+00:00", "Z")

    response = client.post(
        url, json={"received_by": "phone", "received_at": before}, headers=support(db_session)
    )

    # Received "before" it was sent, the warning's time to object would start days early.
    assert (response.status_code, response.get_json()["code"]) == (422, "received_before_sent")
    db_session.refresh(notice)
    assert notice.received_at is None


def test_refused_events_are_listed_for_staff_in_their_language(client, db_session):
    point = make_supply_point(db_session)
    story = Scenario(db_session, point.customer_code, point.id, start=5)
    story.event("disconnected", 1)
    headers = {**support(db_session), "Accept-Language": "sr"}
    rows = client.get(f"{API}/staff/disconnections/refused-events", headers=headers).get_json()
    [row] = rows
    assert (row["code"], row["article"]) == ("ero_no_notice", "16.1")
    assert row["message"].startswith("Čl. 16.1")


def test_the_art_29_report_lists_disconnections_and_reconnections_as_csv(client, db_session):
    customer = make_customer(db_session)
    story = story_of(db_session, customer, start=30).warned().noticed().disconnected()
    story.event("reconnected", 23)
    admin = dispatcher_headers(db_session, role="admin")
    url = (
        f"{API}/staff/disconnections/report?from={ago(40).isoformat().replace('+00:00', 'Z')}"
        f"&to={ago(0).isoformat().replace('+00:00', 'Z')}"
    )

    response = client.get(url, headers={**admin, "Accept": "text/csv"})

    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["event"] for r in rows] == ["disconnected", "reconnected"]
    first = rows[0]
    assert first["customer_code"] == customer.supply_point.customer_code
    assert (first["warning_period_met"], first["notice_3_days_met"]) == ("yes", "yes")
    assert first["warning_received_by"] == "phone"
    as_json = client.get(url, headers=admin).get_json()
    assert [r["event"] for r in as_json] == ["disconnected", "reconnected"]


def test_the_report_reads_in_the_same_statements_however_many_cases(client, db_session):
    admin = dispatcher_headers(db_session, role="admin")
    url = (
        f"{API}/staff/disconnections/report?from={ago(40).isoformat().replace('+00:00', 'Z')}"
        f"&to={ago(0).isoformat().replace('+00:00', 'Z')}"
    )

    def read_in_inbox(story: Scenario, kind: str, days: float) -> None:
        notice = notice_of(db_session, story.case, kind)
        db_session.get(Notification, notice.notification_id).read_at = story.at(days)
        db_session.commit()

    def statements_for_a_report() -> int:
        # Receipts only the inbox knows of yet: the report looks there for them.
        story = story_of(db_session, make_customer(db_session), start=30)
        assert story.event("warning", 0, "120.00") is None
        read_in_inbox(story, "warning", 0.1)
        assert story.event("notice", 17, scheduled_for=story.at(21).date()) is None
        read_in_inbox(story, "disconnection", 17.1)
        assert story.event("disconnected", 22) is None
        db_session.expunge_all()
        with count_statements() as statements:
            assert client.get(url, headers=admin).status_code == 200
        return len(queries(statements))

    assert statements_for_a_report() == statements_for_a_report()  # 1 row, then 2


def test_art_29_2_deleting_the_account_keeps_the_records(client, db_session):
    customer = make_customer(db_session)
    story_of(db_session, customer, start=30).warned().noticed().disconnected()
    object_(client, customer)
    case_id = story_of(db_session, customer).case.id

    delete_accounts(db_session, [customer.account.id])
    db_session.commit()
    db_session.expire_all()

    case = db_session.get(DisconnectionCase, case_id)
    assert case is not None and len(case.events) >= 4
    objection = db_session.scalars(select(Objection).where(Objection.case_id == case_id)).one()
    assert objection.account_id is None
    assert all(n.account_id is None for n in case.notices)
    assert db_session.scalars(select(DisconnectionEvent)).first() is not None


def test_art_29_2_delete_me_keeps_the_case_and_its_history(client, db_session):
    customer = make_customer(db_session)
    story = story_of(db_session, customer, start=30).warned().noticed().disconnected()
    case_id = story.case.id

    gone = client.delete(f"{API}/me", json={"password": DEFAULT_PASSWORD}, headers=customer.headers)

    assert gone.status_code == 204, gone.get_json()
    db_session.expire_all()
    case = db_session.get(DisconnectionCase, case_id)
    assert [e.kind for e in case.events] == ["warning", "notice", "disconnected"]
    assert [n.kind for n in case.notices] == ["warning", "disconnection"]
    assert all(n.account_id is None for n in case.notices)
    rows = client.get(f"{API}/staff/disconnections", headers=support(db_session)).get_json()
    assert [r["id"] for r in rows] == [case_id]
