"""The spec says what the server does, so that a generated client can trust it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from ekesco_api.extensions import api
from tests.support.customers import make_customer


@pytest.fixture(scope="module")
def spec(app: Flask) -> dict[str, Any]:
    with app.app_context():
        return json.loads(json.dumps(api.spec.to_dict()))


def _properties(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name, schema in spec["components"]["schemas"].items():
        for prop, definition in schema.get("properties", {}).items():
            yield name, prop, definition


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "patch", "delete"}:
                yield path, method, operation


def test_no_field_is_a_json_number_but_counts_and_ids(spec: dict[str, Any]) -> None:
    numbers = [
        f"{name}.{prop}" for name, prop, d in _properties(spec) if "number" in str(d.get("type"))
    ]
    assert numbers == []


def test_money_and_kwh_are_decimal_strings_with_a_pattern(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for name, prop in [
        ("MeterBalance", "amount_due"),
        ("Payment", "commission"),
        ("BillSummary", "kwh_high"),
        ("BillLine", "unit_price"),
        ("RegisterRead", "kwh_high_total"),
        ("TariffBlock", "price_high"),
    ]:
        definition = schemas[name]["properties"][prop]
        assert "string" in definition["type"], (name, prop)
        assert definition["pattern"].startswith("^"), (name, prop)


def test_nullable_nested_objects_are_typed(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["Meter"]["properties"]["area"] == {
        "anyOf": [{"$ref": "#/components/schemas/MeterArea"}, {"type": "null"}]
    }
    assert schemas["MeterBalance"]["properties"]["latest_bill"]["anyOf"][1] == {"type": "null"}


def test_answers_require_every_field_they_always_carry(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["Meter"]["required"] == sorted(schemas["Meter"]["properties"])
    assert "latest_bill" in schemas["MeterBalance"]["required"]
    # Sometimes absent, and said so: problem members, a pending contact change.
    assert {"errors", "field_codes"}.isdisjoint(schemas["Problem"]["required"])
    assert "pending_email" not in schemas["Profile"]["required"]
    # Request bodies keep what marshmallow requires: a PATCH needs nothing.
    assert "required" not in schemas["ProfileUpdate"]


def test_every_error_answer_is_problem_json(spec: dict[str, Any]) -> None:
    shared = spec["components"]["responses"]
    assert set(shared["UNPROCESSABLE_ENTITY"]["content"]) == {"application/problem+json"}
    assert set(shared["DEFAULT_ERROR"]["content"]) == {"application/problem+json"}
    for path, _method, operation in _operations(spec):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")) and "content" in response:
                assert set(response["content"]) == {"application/problem+json"}, (path, status)


def test_documents_and_empty_answers_say_their_media_types(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    bill_pdf = paths["/api/v1/bills/{bill_id}/pdf"]["get"]["responses"]["200"]["content"]
    receipt = paths["/api/v1/payments/{payment_id}/receipt"]["get"]["responses"]["200"]
    calendar = paths["/api/v1/outages/calendar.ics"]["get"]["responses"]["200"]["content"]
    assert list(bill_pdf) == ["application/pdf"]
    assert list(receipt["content"]) == ["application/pdf"]
    assert list(calendar) == ["text/calendar"]
    for path, method, operation in _operations(spec):
        if "204" in operation["responses"]:
            assert "content" not in operation["responses"]["204"], (path, method)


def test_the_headers_are_documented(spec: dict[str, Any]) -> None:
    created = spec["paths"]["/api/v1/payments"]["post"]["responses"]["201"]["headers"]
    assert {"Location", "Idempotent-Replayed", "X-Request-ID"} <= set(created)
    login = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert "Retry-After" in login["429"]["headers"]
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(
        login["200"]["headers"]
    )
    pagination = spec["components"]["headers"]["PAGINATION"]
    assert pagination["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginationMetadata"
    }


def test_a_204_carries_no_content_type(client, db_session) -> None:
    customer = make_customer(db_session)
    response = client.post("/api/v1/auth/logout", headers=customer.headers)
    assert response.status_code == 204
    assert "Content-Type" not in response.headers
    assert response.data == b""


def test_an_empty_202_carries_no_content_type(client) -> None:
    response = client.post("/api/v1/auth/password/forgot", json={"email": "nobody@example.com"})
    assert response.status_code == 202
    assert "Content-Type" not in response.headers


def test_a_nullable_choice_is_a_choice_or_null(spec: dict[str, Any]) -> None:
    language = spec["components"]["schemas"]["Register"]["properties"]["language"]
    assert language["anyOf"] == [
        {"type": "string", "enum": ["sq", "en", "sr"]},
        {"type": "null"},
    ]
