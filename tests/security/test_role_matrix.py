"""Every staff operation × every caller, taken from the app's own URL map: none can escape.

The rule (docs/api.md, "Authentication"): each staff operation names the roles it needs, and
admin passes all of them. A role that may call an operation is never refused for its role (the
answer may still be a 404 or a 422 for the made-up id and empty body); any other role gets 403
`forbidden`, and so does a customer's token; no token gets 401. An operation under
/api/v1/staff without the staff guard fails here, as does one the spec does not describe the
same way.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ekesco_api.security.guards import STAFF_ROLES
from tests.support.auth import dispatcher_headers, token_headers
from tests.support.customers import make_customer

SPEC = json.loads((Path(__file__).resolve().parents[2] / "openapi/openapi.json").read_text())
PUBLIC = {("POST", "/api/v1/staff/login")}


def _operations(app: Flask) -> list[tuple[str, str, tuple[str, ...] | None]]:
    """(method, rule, roles) of every operation under /api/v1; roles None: not a staff one."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        view_class = getattr(app.view_functions[rule.endpoint], "view_class", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            view = getattr(view_class, method.lower(), None)
            found.append((method, rule.rule, getattr(view, "staff_roles", None)))
    return found


def _url(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "1", rule)


def _spec_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_every_staff_path_is_guarded_by_role(app: Flask) -> None:
    operations = _operations(app)
    unguarded = [
        (method, rule)
        for method, rule, roles in operations
        if rule.startswith("/api/v1/staff") and roles is None and (method, rule) not in PUBLIC
    ]
    assert unguarded == []
    assert sum(roles is not None for *_, roles in operations) >= 10


def test_the_spec_names_the_same_roles(app: Flask) -> None:
    for method, rule, roles in _operations(app):
        if roles is None:
            continue
        operation = SPEC["paths"][_spec_path(rule)][method.lower()]
        assert operation.get("x-staff-roles") == list(roles), (method, rule)


def _answer(client: Any, method: str, rule: str, headers: dict[str, str]) -> Any:
    return client.open(_url(rule), method=method, json={}, headers=headers)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_each_role_passes_exactly_where_it_is_named(app, client, db_session, role) -> None:
    headers = dispatcher_headers(db_session, role=role)
    for method, rule, roles in _operations(app):
        if roles is None:
            continue
        response = _answer(client, method, rule, headers)
        refused = response.status_code == 403 and response.json["code"] == "forbidden"
        if role in roles:
            assert not refused and response.status_code != 401, (role, method, rule)
        else:
            assert refused, (role, method, rule, response.status_code)


def test_customers_and_strangers_are_refused_everywhere(app, client, db_session) -> None:
    customer = token_headers(db_session, make_customer(db_session).account)
    for method, rule, roles in _operations(app):
        if roles is None:
            continue
        as_customer = _answer(client, method, rule, customer)
        assert (as_customer.status_code, as_customer.json["code"]) == (403, "forbidden"), rule
        assert _answer(client, method, rule, {}).status_code == 401
