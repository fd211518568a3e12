"""Every staff route × every kind of caller: support, dispatcher, admin, a customer, nobody."""

from __future__ import annotations

from typing import Any

import pytest

from tests.auth_helpers import bearer, login
from tests.factories import make_account, make_staff
from tests.staff.conftest import staff_login

CALLERS = ("support", "dispatcher", "admin", "customer", "nobody")


def _route(name: str, account: Any) -> tuple[str, str, dict[str, Any] | None, int]:
    """method, path, JSON body and the status a permitted caller gets."""
    code = account.supply_point.customer_code
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
    method, path, body, success = _route(route, account)
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
        method, path, body, _ = _route("password_reset", account)
        client.open(path, method=method, json=body, headers=_headers(client, db_session, caller))
    assert account.password_change_required is False
    assert outbox.email == []
