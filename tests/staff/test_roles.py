"""Every staff route × every kind of caller: support, dispatcher, admin, a customer, nobody."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ekesco_api.outages import service as outage_service
from tests.factories import make_account, make_area, make_staff
from tests.support.auth import bearer, login, staff_login

CALLERS = ("support", "dispatcher", "admin", "customer", "nobody")


def _outage(session: Any) -> dict[str, Any]:
    area = make_area(session)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)
    return {
        "kind": "planned",
        "area_ids": [area.id],
        "starts_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ends_at": (start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "reason": {"sq": "Punime", "en": "Works", "sr": "Radovi"},
    }


def _route(name: str, account: Any, session: Any) -> tuple[str, str, dict[str, Any] | None, int]:
    """method, path, JSON body and the status a permitted caller gets."""
    code = account.supply_point.customer_code
    if name == "outage_announce":
        return ("POST", "/api/v1/staff/outages", _outage(session), 201)
    if name == "outage_cancel":
        body = _outage(session)
        outage = outage_service.create_outage(
            session,
            kind=body["kind"],
            area_ids=body["area_ids"],
            starts_at=dt.datetime.fromisoformat(body["starts_at"]),
            ends_at=dt.datetime.fromisoformat(body["ends_at"]),
            reason=body["reason"],
            staff_id=None,
        )
        return ("PATCH", f"/api/v1/staff/outages/{outage.id}", {"status": "cancelled"}, 200)
    return {
        "me": ("GET", "/api/v1/staff/me", None, 200),
        "customers": ("GET", f"/api/v1/staff/customers?customer_code={code}", None, 200),
        "password_reset": (
            "POST",
            f"/api/v1/staff/accounts/{account.id}/password-reset",
            {"channel": "email"},
            202,
        ),
        "contact": (
            "PATCH",
            f"/api/v1/staff/accounts/{account.id}",
            {"email": f"fixed{account.id}@example.com"},
            200,
        ),
        "registration": (
            "DELETE",
            f"/api/v1/staff/registrations/{code}",
            {"reason": "The holder asked at the office."},
            204,
        ),
        "audit_log": ("GET", "/api/v1/staff/audit-log", None, 200),
    }[name]


# Who may call what (admin may do everything).
ALLOWED = {
    "me": {"support", "dispatcher", "admin"},
    "customers": {"support", "admin"},
    "password_reset": {"support", "admin"},
    "contact": {"support", "admin"},
    "registration": {"support", "admin"},
    "audit_log": {"admin"},
    # The dispatchers' routes live in the outages domain; their roles are checked here too.
    "outage_announce": {"dispatcher", "admin"},
    "outage_cancel": {"dispatcher", "admin"},
}


def _headers(client: Any, db_session: Any, caller: str) -> dict[str, str]:
    if caller == "nobody":
        return {}
    if caller == "customer":
        return bearer(login(client, make_account(db_session).email)["access_token"])
    return bearer(staff_login(client, make_staff(db_session, role=caller))["access_token"])


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", sorted(ALLOWED))
def test_route_by_caller(client, db_session, route, caller, outbox):
    account = make_account(db_session)
    method, path, body, success = _route(route, account, db_session)
    response = client.open(
        path, method=method, json=body, headers=_headers(client, db_session, caller)
    )
    if caller == "nobody":
        expected = 401
    elif caller in ALLOWED[route]:
        expected = success
    else:
        expected = 403
    assert response.status_code == expected, response.get_json()
    if expected in (401, 403):
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] == ("unauthorized" if expected == 401 else "forbidden")


def test_refused_callers_change_nothing(client, db_session, outbox):
    account = make_account(db_session)
    for caller in ("dispatcher", "customer", "nobody"):
        method, path, body, _ = _route("password_reset", account, db_session)
        client.open(path, method=method, json=body, headers=_headers(client, db_session, caller))
    assert account.password_change_required is False
    assert outbox.email == []
