"""Every error is a problem+json document in the caller's language, never an HTML page."""

from __future__ import annotations

import pytest

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
