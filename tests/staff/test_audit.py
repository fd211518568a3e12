"""The audit trail: a record of every staff action, failures too; readable by admins only."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from ekesco_api.errors import NotFound
from ekesco_api.staff.audit import Actor, Record, audited
from ekesco_api.staff.models import AuditEntry
from tests.factories import STAFF_PASSWORD, make_account, make_staff
from tests.support.auth import STAFF_LOGIN_URL, TEMP_PASSWORD, bearer, staff_login

AUDIT = "/api/v1/staff/audit-log"
ACTOR = Actor(staff_id=None, role="support", email="agent@kesco-energy.com", request_id="r-1")


def _entries(db_session, **where):
    statement = select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        statement = statement.where(getattr(AuditEntry, name) == value)
    return db_session.scalars(statement).all()


def test_a_password_reset_is_recorded_without_the_password(
    client, db_session, support, support_headers, outbox
):
    account = make_account(db_session)
    client.post(
        f"/api/v1/staff/accounts/{account.id}/password-reset",
        json={"channel": "sms"},
        headers={**support_headers, "X-Request-ID": "req-reset-1"},
    )
    [entry] = _entries(db_session, action="password_reset")
    assert (entry.staff_id, entry.staff_email, entry.role) == (support.id, support.email, "support")
    assert (entry.account_id, entry.customer_code) == (
        account.id,
        account.supply_point.customer_code,
    )
    assert (entry.outcome, entry.error_code, entry.request_id) == ("success", None, "req-reset-1")
    assert entry.details["channel"] == "sms"
    assert entry.created_at is not None
    [sms] = outbox.sms
    temporary = TEMP_PASSWORD.search(sms["body"]).group(1)
    assert temporary not in json.dumps(entry.details)


def test_a_contact_correction_is_recorded_with_old_and_new(client, db_session, support_headers):
    account = make_account(db_session, email="before@example.com")
    client.patch(
        f"/api/v1/staff/accounts/{account.id}",
        json={"email": "after@example.com"},
        headers=support_headers,
    )
    [entry] = _entries(db_session, action="contact_update")
    # Old and new are named (masked, and a fingerprint per address), never spelled: the entry
    # outlives the account and must hold no contact data then.
    change = entry.details["changed"]["email"]
    assert (change["from"]["shown"], change["to"]["shown"]) == (
        "b***@example.com",
        "a***@example.com",
    )
    assert change["from"]["key"] != change["to"]["key"]
    assert "before@example.com" not in json.dumps(entry.details)
    assert "after@example.com" not in json.dumps(entry.details)


def test_a_removal_is_recorded_with_its_reason_after_the_account_is_gone(
    client, db_session, support_headers
):
    account = make_account(db_session)
    code, account_id = account.supply_point.customer_code, account.id
    client.delete(
        f"/api/v1/staff/registrations/{code}",
        json={"reason": "Holder asked in person"},
        headers=support_headers,
    )
    [entry] = _entries(db_session, action="registration_remove")
    assert (entry.account_id, entry.customer_code, entry.reason) == (
        account_id,
        code,
        "Holder asked in person",
    )
    # The trail keeps who was removed and why, not the removed person's addresses.
    assert entry.details == {"status": "active", "registered_at": account.created_at.isoformat()}


def test_a_lookup_is_recorded(client, db_session, support_headers):
    account = make_account(db_session)
    client.get(
        "/api/v1/staff/customers", query_string={"email": account.email}, headers=support_headers
    )
    [entry] = _entries(db_session, action="customer_lookup")
    assert (entry.details["by"], entry.details["found"]) == ("email", 1)
    assert entry.details["value"]["shown"].endswith("***@example.com")
    assert account.email not in json.dumps(entry.details)
    assert entry.account_id == account.id


def test_lookups_of_one_address_carry_one_fingerprint(client, db_session, support_headers):
    account = make_account(db_session, phone="+38344123456")
    for typed in ("044 123 456", "+383 44 123 456"):
        client.get(
            "/api/v1/staff/customers", query_string={"phone": typed}, headers=support_headers
        )
    first, second = _entries(db_session, action="customer_lookup")
    assert first.details["value"]["key"] == second.details["value"]["key"]
    assert first.details["value"]["shown"] == "***56"
    assert account.phone not in json.dumps(first.details)


def test_a_lookup_by_customer_code_keeps_the_code(client, db_session, support_headers):
    account = make_account(db_session)
    code = account.supply_point.customer_code
    client.get(
        "/api/v1/staff/customers", query_string={"customer_code": code}, headers=support_headers
    )
    [entry] = _entries(db_session, action="customer_lookup")
    assert entry.details["value"] == code


def test_failures_are_recorded_too(client, db_session, support_headers):
    make_account(db_session, email="taken@example.com")
    account = make_account(db_session)
    client.post(
        "/api/v1/staff/accounts/424242/password-reset",
        json={"channel": "sms"},
        headers=support_headers,
    )
    client.patch(
        f"/api/v1/staff/accounts/{account.id}",
        json={"email": "taken@example.com"},
        headers=support_headers,
    )
    client.delete(
        "/api/v1/staff/registrations/DPR 0000002", json={"reason": "why"}, headers=support_headers
    )
    failed = _entries(db_session, outcome="failed")
    assert [(e.action, e.error_code, e.account_id) for e in failed] == [
        ("password_reset", "not_found", 424242),
        ("contact_update", "email_taken", account.id),
        ("registration_remove", "not_found", None),
    ]
    # The refused change left no trace on the account.
    assert account.email != "taken@example.com"


def test_logins_are_recorded_failed_ones_too(client, db_session):
    member = make_staff(db_session)
    client.post(STAFF_LOGIN_URL, json={"email": member.email, "password": "wrong-password"})
    client.post(STAFF_LOGIN_URL, json={"email": "ghost@kesco-energy.com", "password": "x"})
    client.post(STAFF_LOGIN_URL, json={"email": member.email, "password": STAFF_PASSWORD})
    entries = _entries(db_session, action="login")
    assert [(e.staff_id, e.staff_email, e.outcome) for e in entries] == [
        (member.id, member.email, "failed"),
        (None, "ghost@kesco-energy.com", "failed"),
        (member.id, member.email, "success"),
    ]


def test_request_id_is_generated_when_absent_and_echoed(client, db_session, support_headers):
    response = client.get("/api/v1/staff/me", headers=support_headers)
    generated = response.headers["X-Request-ID"]
    assert len(generated) == 32
    response = client.get(
        "/api/v1/staff/me", headers={**support_headers, "X-Request-ID": "abc-123"}
    )
    assert response.headers["X-Request-ID"] == "abc-123"
    # Junk is replaced, so that nobody writes into logs through the header.
    response = client.get(
        "/api/v1/staff/me", headers={**support_headers, "X-Request-ID": "bad id\twith junk"}
    )
    assert response.headers["X-Request-ID"] != "bad id\twith junk"


# --- reading the log ------------------------------------------------------------------------


def test_admin_reads_the_log_newest_first(client, db_session, support, support_headers, admin):
    account = make_account(db_session)
    client.post(
        f"/api/v1/staff/accounts/{account.id}/password-reset",
        json={"channel": "email"},
        headers=support_headers,
    )
    headers = bearer(staff_login(client, admin)["access_token"])
    response = client.get(AUDIT, headers=headers)
    assert response.status_code == 200
    entries = response.get_json()
    assert [e["action"] for e in entries[:2]] == ["login", "password_reset"]
    reset = entries[1]
    assert reset["staff_id"] == support.id
    assert reset["account_id"] == account.id
    assert reset["outcome"] == "success"
    assert set(reset) >= {"created_at", "role", "reason", "request_id", "details", "error_code"}
    assert json.loads(response.headers["X-Pagination"])["total"] == len(entries)


def test_admin_filters_the_log(client, db_session, support, support_headers, admin_headers):
    first, second = make_account(db_session), make_account(db_session)
    for account in (first, second):
        client.post(
            f"/api/v1/staff/accounts/{account.id}/password-reset",
            json={"channel": "sms"},
            headers=support_headers,
        )

    def ids(**query):
        response = client.get(AUDIT, query_string=query, headers=admin_headers)
        assert response.status_code == 200, response.get_json()
        return [(e["action"], e["account_id"]) for e in response.get_json()]

    assert ids(account_id=first.id) == [("password_reset", first.id)]
    assert ids(action="password_reset") == [
        ("password_reset", second.id),
        ("password_reset", first.id),
    ]
    assert ids(staff_id=support.id, action="login") == [("login", None)]
    assert ids(outcome="failed") == []
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(**{"from": future}) == []
    assert len(ids(to=future)) == 4  # two logins (support, admin) and two resets


def test_the_log_is_paginated(client, db_session, admin_headers):
    member = make_staff(db_session)
    for _ in range(3):
        client.post(STAFF_LOGIN_URL, json={"email": member.email, "password": STAFF_PASSWORD})
    response = client.get(AUDIT, query_string={"page": 2, "page_size": 2}, headers=admin_headers)
    assert len(response.get_json()) == 2
    pagination = json.loads(response.headers["X-Pagination"])
    assert (pagination["total"], pagination["total_pages"], pagination["page"]) == (4, 2, 2)


@pytest.mark.parametrize("query", [{"from": "yesterday"}, {"staff_id": "x"}, {"page_size": 1000}])
def test_bad_filters_are_422(client, admin_headers, query):
    assert client.get(AUDIT, query_string=query, headers=admin_headers).status_code == 422


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_no_endpoint_writes_the_log(client, admin_headers, method):
    response = client.open(AUDIT, method=method, json={}, headers=admin_headers)
    assert response.status_code == 405
    response = client.open(f"{AUDIT}/1", method=method, json={}, headers=admin_headers)
    assert response.status_code in (404, 405)


def test_entries_cannot_be_changed_or_deleted_through_the_orm(client, db_session, support):
    client.post(STAFF_LOGIN_URL, json={"email": support.email, "password": STAFF_PASSWORD})
    [entry] = _entries(db_session)
    entry.outcome = "failed"
    with pytest.raises(RuntimeError, match="append-only"):
        db_session.flush()
    db_session.rollback()
    [entry] = _entries(db_session)
    db_session.delete(entry)
    with pytest.raises(RuntimeError, match="append-only"):
        db_session.flush()


def test_audited_commits_the_action_with_its_entry(db_session):
    account = make_account(db_session)
    with audited(db_session, actor=ACTOR, action="test_action") as record:
        account.language = "en"
        record.account_id = account.id
    db_session.expire_all()
    [entry] = db_session.scalars(select(AuditEntry)).all()
    assert (entry.action, entry.outcome, entry.account_id, entry.request_id) == (
        "test_action",
        "success",
        account.id,
        "r-1",
    )
    assert db_session.get(type(account), account.id).language == "en"


def test_audited_undoes_a_refused_action_but_records_the_refusal(db_session):
    account = make_account(db_session, language="sq")
    with (
        pytest.raises(NotFound),
        audited(db_session, actor=ACTOR, action="test_action", record=Record(reason="why")),
    ):
        account.language = "en"
        db_session.flush()
        raise NotFound()
    db_session.expire_all()
    [entry] = db_session.scalars(select(AuditEntry)).all()
    assert (entry.outcome, entry.error_code, entry.reason) == ("failed", "not_found", "why")
    assert db_session.get(type(account), account.id).language == "sq"


def test_audited_records_nothing_for_a_bug(db_session):
    with pytest.raises(ZeroDivisionError), audited(db_session, actor=ACTOR, action="x"):
        1 / 0  # noqa: B018
    assert db_session.scalars(select(AuditEntry)).all() == []
