"""Support's side: the queue and its filters, the moves and their refusals, the audit trail,
the customer told in their language, and the account data beside the topics that need it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from ekesco_api.customer_requests import filing, handling
from ekesco_api.notifications.models import Notification
from ekesco_api.staff.audit import Actor
from ekesco_api.staff.models import AuditEntry
from tests.customer_requests.helpers import QUEUE, REQUESTS, change, file_request
from tests.factories import make_app_payment, make_cis_payment, make_meter, utc
from tests.support.auth import dispatcher_headers
from tests.support.customers import add_meter, make_customer


def _queue(client: Any, headers: dict[str, str], query: str = "") -> list[str]:
    response = client.get(f"{QUEUE}?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [r["reference"] for r in response.get_json()]


def _audit(session: Any, action: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def test_the_queue_puts_open_requests_first_oldest_first(client, db_session, agent_headers):
    people = [make_customer(db_session) for _ in range(2)]
    refs = [file_request(client, people[i % 2]).get_json()["reference"] for i in range(4)]
    change(client, agent_headers, refs[0], status="resolved", note="Done.")
    change(client, agent_headers, refs[1], status="rejected", note="No.")
    change(client, agent_headers, refs[3], status="in_progress", note="On it.")

    # Open (2, 3) oldest first, then closed (1, 0) newest first.
    assert _queue(client, agent_headers) == [refs[2], refs[3], refs[1], refs[0]]
    page = client.get(f"{QUEUE}?page_size=3&page=2", headers=agent_headers)
    assert [r["reference"] for r in page.get_json()] == [refs[0]]
    assert json.loads(page.headers["X-Pagination"])["total"] == 4


def test_the_queue_filters_by_status_kind_topic_and_customer_code(
    client, db_session, customer, agent_headers
):
    other = make_customer(db_session, customer_code="DGJ 0042137")
    a = file_request(client, customer, kind="complaint", topic="billing_error").get_json()
    b = file_request(client, other, kind="request", topic="reconnection").get_json()
    added = make_meter(db_session)  # another code, added by the first customer
    assert add_meter(client, customer, added).status_code == 201
    c = file_request(client, customer, kind="request", topic="meter_problem", meter_id=added.id)
    c = c.get_json()
    change(client, agent_headers, b["reference"], status="in_progress", note="On it.")

    assert _queue(client, agent_headers, "status=in_progress") == [b["reference"]]
    assert _queue(client, agent_headers, "kind=request") == [b["reference"], c["reference"]]
    assert _queue(client, agent_headers, "topic=billing_error") == [a["reference"]]
    assert _queue(client, agent_headers, "customer_code=dgj-0042137") == [b["reference"]]
    code = added.supply_point.customer_code.lower().replace(" ", "")
    assert _queue(client, agent_headers, f"customer_code={code}") == [c["reference"]]
    [item] = client.get(f"{QUEUE}?topic=reconnection", headers=agent_headers).get_json()
    assert item["customer_code"] == "DGJ 0042137"
    assert item["account_id"] == other.account.id
    assert item["customer_name"] == "Arben Krasniqi"
    assert client.get(f"{QUEUE}?status=lost", headers=agent_headers).status_code == 422


def test_an_agent_takes_replies_and_resolves_and_the_customer_reads_each_step(
    client, db_session, customer, agent, agent_headers, outbox
):
    reference = file_request(client, customer).get_json()["reference"]

    taken = change(client, agent_headers, reference, status="in_progress", note="Po e shohim.")
    replied = change(
        client,
        agent_headers,
        reference,
        status="in_progress",
        note="Na dërgoni foton.",
        version=taken.get_json()["version"],
    )
    resolved = change(
        client,
        agent_headers,
        reference,
        status="resolved",
        note="U korrigjua.",
        version=replied.get_json()["version"],
    )

    assert [r.status_code for r in (taken, replied, resolved)] == [200, 200, 200]
    body = resolved.get_json()
    assert body["status"] == "resolved" and body["version"] == 4
    assert [(h["status"], h["staff_email"]) for h in body["history"]] == [
        ("received", None),
        ("in_progress", agent.email),
        ("in_progress", agent.email),
        ("resolved", agent.email),
    ]
    titles = db_session.scalars(
        select(Notification.title)
        .where(Notification.account_id == customer.account.id)
        .order_by(Notification.id)
    ).all()
    assert titles == [
        f"U pranua: {reference}",
        f"{reference}: në shqyrtim",
        f"{reference}: një përgjigje",
        f"{reference}: u zgjidh",
    ]
    assert outbox.email[-1]["body"].endswith("\n\nU korrigjua.")
    mine = client.get(f"{REQUESTS}/{reference}", headers=customer.headers).get_json()
    assert mine["history"][-1] == {
        "status": "resolved",
        "at": body["updated_at"],
        "note": "U korrigjua.",
    }


def test_the_customer_is_told_in_their_language_not_the_agents(
    client, db_session, agent_headers, outbox
):
    english = make_customer(db_session, language="en")
    reference = file_request(client, english, language="sq").get_json()["reference"]

    client.patch(
        f"{QUEUE}/{reference}",
        json={"status": "rejected", "note": "Nuk gjetëm gabim."},
        headers={**agent_headers, "Accept-Language": "sr"},
    )

    assert outbox.email[-1]["subject"] == f"{reference}: declined"
    assert outbox.email[-1]["body"].startswith(f"Your request {reference} was declined.")


def test_straight_from_received_to_rejected_and_then_closed_for_good(
    client, db_session, customer, agent_headers
):
    reference = file_request(client, customer).get_json()["reference"]
    assert (
        change(client, agent_headers, reference, status="rejected", note="Jo.").status_code == 200
    )
    db_session.commit()  # the refusals below roll back

    for status in ("in_progress", "resolved", "rejected"):
        refused = change(client, agent_headers, reference, status=status, note="Again?")
        assert refused.status_code == 409
        assert refused.get_json()["code"] == "request_closed"
    mine = client.get(f"{REQUESTS}/{reference}", headers=customer.headers).get_json()
    assert [h["status"] for h in mine["history"]] == ["received", "rejected"]


def test_a_stale_version_is_refused_and_changes_nothing(
    client, db_session, customer, agent_headers
):
    reference = file_request(client, customer).get_json()["reference"]
    change(client, agent_headers, reference, status="in_progress", note="Mine.", version=1)
    db_session.commit()

    stale = change(
        client, agent_headers, reference, status="resolved", note="Also mine.", version=1
    )

    assert stale.status_code == 409
    assert stale.get_json()["code"] == "request_changed"
    current = client.get(f"{REQUESTS}/{reference}", headers=customer.headers).get_json()
    assert current["status"] == "in_progress" and len(current["history"]) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"status": "resolved"},
        {"status": "resolved", "note": "   "},
        {"status": "received", "note": "Back to the start."},
        {"status": "closed", "note": "x"},
        {"status": "resolved", "note": "x\x00"},
        {"status": "resolved", "note": "x", "version": "1"},
    ],
)
def test_a_move_needs_a_known_status_and_a_note(client, customer, agent_headers, body):
    reference = file_request(client, customer).get_json()["reference"]

    response = client.patch(f"{QUEUE}/{reference}", json=body, headers=agent_headers)

    assert response.status_code == 422


def test_an_unknown_reference_is_404_and_the_refusal_is_audited(client, db_session, agent_headers):
    response = change(client, agent_headers, "KS-1999-999999", status="resolved", note="x")

    assert response.status_code == 404
    [entry] = _audit(db_session, "request_update")
    assert entry.outcome == "failed" and entry.error_code == "not_found"
    assert entry.details["reference"] == "KS-1999-999999"


def test_every_move_and_view_is_audited_with_who_what_and_whom(
    client, db_session, customer, agent, agent_headers
):
    reference = file_request(client, customer).get_json()["reference"]
    client.get(f"{QUEUE}/{reference.lower()}", headers=agent_headers)
    change(client, agent_headers, reference, status="in_progress", note="Po.")
    db_session.commit()
    change(client, agent_headers, reference, status="resolved", note="Mbaroi.", version=1)

    [view] = _audit(db_session, "request_view")
    assert (view.staff_id, view.account_id, view.customer_code) == (
        agent.id,
        customer.account.id,
        customer.supply_point.customer_code,
    )
    moved, stale = _audit(db_session, "request_update")
    assert moved.outcome == "success" and moved.staff_email == agent.email
    assert moved.details == {"reference": reference, "from": "received", "to": "in_progress"}
    assert moved.request_id
    assert stale.outcome == "failed" and stale.error_code == "request_changed"


def test_only_support_works_requests(client, db_session, customer):
    reference = file_request(client, customer).get_json()["reference"]
    dispatcher = dispatcher_headers(db_session)
    admin = dispatcher_headers(db_session, role="admin")

    assert client.get(QUEUE, headers=dispatcher).status_code == 403
    assert change(client, dispatcher, reference, status="resolved", note="x").status_code == 403
    assert client.get(QUEUE, headers=customer.headers).status_code == 403
    assert client.get(QUEUE, headers=admin).status_code == 200  # admin passes everywhere


def test_a_data_update_shows_the_account_and_its_last_payments(
    client, db_session, customer, agent_headers
):
    make_cis_payment(db_session, supply_point=customer.supply_point)  # February 2025
    paid = make_app_payment(db_session, customer.meter, "12.30")
    paid.account_id = customer.account.id
    db_session.flush()
    reference = file_request(
        client, customer, kind="request", topic="data_update", description="Numri i ri."
    ).get_json()["reference"]

    body = client.get(f"{QUEUE}/{reference}", headers=agent_headers).get_json()

    assert body["customer"]["email"] == customer.account.email
    data = body["account_data"]
    assert data["holder_name"] == "Arben Krasniqi"
    assert data["personal_number"] == customer.account.personal_number
    assert [m["meter_number"] for m in data["meters"]] == [customer.meter.meter_number]
    payments = body["last_payments"]
    assert [(p["source"], p["amount"]) for p in payments] == [("app", "12.30"), ("cis", "28.88")]
    assert payments[1]["customer_code"] == customer.supply_point.customer_code


def test_other_topics_show_the_contact_but_not_the_account_data(client, customer, agent_headers):
    reference = file_request(client, customer, topic="staff_service").get_json()["reference"]

    body = client.get(f"{QUEUE}/{reference}", headers=agent_headers).get_json()

    assert body["customer"]["phone"] == customer.account.phone
    assert body["account_data"] is None and body["last_payments"] is None


def test_the_service_keeps_the_time_it_is_given(db_session, customer, agent):
    request = filing.file_request(
        db_session,
        account_id=customer.account.id,
        kind="request",
        topic="other",
        description="x",
        limit=None,
    ).request
    actor = Actor(staff_id=agent.id, role="support", email=agent.email)
    moment = utc(2031, 5, 1, 8, 0)

    view = handling.change_request(
        db_session,
        actor=actor,
        reference=request.reference,
        status="resolved",
        note="ok",
        now=moment,
    )

    assert view.status == "resolved" and view.closed_at == moment
    assert view.events[-1].at == moment and view.updated_at == moment
