"""Every error is a problem+json document in the caller's language, never an HTML page."""

from __future__ import annotations

import pytest

from tests.factories import make_account
from tests.support.auth import auth_headers

PROBLEM = "application/problem+json"


def test_unknown_route_is_a_problem_document(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["code"] == "not_found"
    assert body["status"] == 404
    assert body["title"] == "Nuk u gjet."  # Albanian by default


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Not found."), ("sr", "Nije pronađeno."), ("sq", "Nuk u gjet."), ("de", "Nuk u gjet.")],
)
def test_titles_follow_accept_language(client, language, title):
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": language})
    assert response.json["title"] == title


def test_wrong_method_is_405_with_allow(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.mimetype == PROBLEM
    assert response.json["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_unexpected_fault_reveals_no_internals(client, caplog):
    response = client.get("/_test/fault", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert response.mimetype == PROBLEM
    assert response.json["code"] == "internal_error"
    assert "hunter2" not in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)
    # ...but the operator finds the stack in the log.
    assert any("hunter2" in (r.exc_text or str(r.exc_info)) for r in caplog.records)


def test_malformed_json_is_a_400_problem(client):
    response = client.post(
        "/api/v1/auth/login",
        data=b'{"username": "a@b.c", "password": ',
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert response.json["code"] == "malformed_json"
    assert response.json["title"] == "The body is not valid JSON."


def test_wrong_types_are_a_422_with_field_errors(client):
    response = client.post(
        "/api/v1/auth/login",
        json={"username": 42, "password": ["x"]},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["code"] == "validation_error"
    assert set(body["errors"]) == {"username", "password"}
    assert body["errors"]["username"] == ["Not a valid string."]


def test_field_errors_are_translated(client):
    response = client.post("/api/v1/auth/login", json={}, headers={"Accept-Language": "sq"})
    assert response.status_code == 422
    assert response.json["errors"]["username"] == ["Kjo fushë është e detyrueshme."]


def test_oversized_body_is_a_413_problem(client, app):
    too_big = b'{"username": "' + b"a" * app.config["MAX_CONTENT_LENGTH"] + b'"}'
    response = client.post("/api/v1/auth/login", data=too_big, content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == PROBLEM
    assert response.json["code"] == "payload_too_large"


def test_a_json_array_instead_of_an_object_is_a_422(client):
    response = client.post("/api/v1/auth/login", json=["a", "b"])
    assert response.status_code == 422
    assert response.mimetype == PROBLEM


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-jwt",
        "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0.",  # alg "none"
        "Basic dXNlcjpwYXNz",
    ],
)
def test_forged_or_foreign_tokens_are_a_401_problem(client, authorization):
    response = client.get("/api/v1/me", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.json["code"] in {"token_invalid", "unauthorized"}


def test_missing_token_is_a_401_problem(client):
    response = client.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.json["title"] == "You need to log in."


def test_an_id_no_row_can_have_is_a_404_not_a_fault(client, db_session):
    headers = auth_headers(client, make_account(db_session))
    for url in ("/api/v1/payments/410709986664652079104", "/api/v1/bills/99999999999999999999"):
        response = client.get(url, headers=headers)
        assert response.status_code == 404, url
        assert response.mimetype == PROBLEM


def test_a_page_beyond_any_list_is_not_a_fault(client, db_session):
    headers = auth_headers(client, make_account(db_session))
    response = client.get(
        "/api/v1/payments?page=2969726250075709992028974818168668160", headers=headers
    )
    assert response.status_code == 422
    assert response.mimetype == PROBLEM


def test_huge_numbers_in_query_strings_are_a_422(client):
    for url in (
        "/api/v1/areas?parent_id=-32589158477190044730",
        "/api/v1/outages/calendar.ics?area_id=3744366735849960243200",
    ):
        response = client.get(url, headers={"Accept-Language": "en"})
        assert response.status_code == 422, url
        assert response.mimetype == PROBLEM
        assert response.json["code"] == "value_out_of_range"
        assert response.json["title"] == "A number in the request is too large or too small."


@pytest.mark.parametrize(
    "body",
    [
        b'{"username": "a\\ud800@example.com", "password": "pw"}',  # a lone surrogate
        b'{"username": "a\\u0000@example.com", "password": "pw"}',  # NUL: PostgreSQL has no room
    ],
)
def test_text_no_database_can_store_is_a_422(client, body):
    response = client.post(
        "/api/v1/auth/login",
        data=body,
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert response.mimetype == PROBLEM
    if b"ud800" in body or response.status_code != 401:  # SQLite stores NUL: just unknown there
        assert response.status_code == 422
        assert response.json["code"] == "text_invalid"
        assert response.json["title"] == "The request contains characters that are not allowed."


def test_a_lone_surrogate_never_reaches_the_database(client):
    response = client.post(
        "/api/v1/auth/password/reset",
        data=b'{"token": "\\ud800", "new_password": "a long passphrase of mine"}',
        content_type="application/json",
    )
    assert response.status_code in {400, 422}
    assert response.mimetype == PROBLEM


def test_validator_messages_with_numbers_are_translated(client, db_session):
    headers = {**auth_headers(client, make_account(db_session)), "Accept-Language": "sr"}
    response = client.get("/api/v1/payments?page_size=1000", headers=headers)
    assert response.status_code == 422
    assert response.json["errors"]["page_size"] == ["Mora biti od 1 do 100."]
    response = client.put(
        "/api/v1/me/subscriptions",
        json={"area_ids": [], "channels": ["fax"]},
        headers={**headers, "Accept-Language": "sq"},
    )
    assert response.status_code == 422
    assert response.json["errors"]["channels.0"][0].startswith("Duhet të jetë një nga: ")
