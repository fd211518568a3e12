"""Hostile bodies: nesting too deep is refused before any parser recurses into it."""

from __future__ import annotations

import pytest

from ekesco_api.body_limits import MAX_JSON_DEPTH, too_deep

LOGIN = "/api/v1/auth/login"


@pytest.mark.parametrize("levels", [1_000, 100_000])
def test_a_deeply_nested_body_is_refused_with_400_not_a_500(client, levels):
    body = b"[" * levels + b"]" * levels
    if len(body) > 64 * 1024:
        body = b"[" * 30_000  # still under the size limit, unclosed
    response = client.post(
        LOGIN, data=body, content_type="application/json", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "json_too_deep"
    assert response.json["title"] == "The body nests arrays or objects too deeply."


def test_the_refusal_comes_in_the_callers_language(client):
    response = client.post(LOGIN, data=b"{" * 500, content_type="application/json")
    assert response.json["code"] == "json_too_deep"
    assert "thellë" in response.json["title"]  # Albanian by default


def test_a_body_at_the_limit_is_parsed_as_usual(client):
    nested = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    response = client.post(
        LOGIN, data=f'{{"username": {nested}, "password": "x"}}', content_type="application/json"
    )
    assert response.status_code == 422  # an ordinary validation error: the schema saw it


def test_brackets_inside_strings_open_nothing():
    assert not too_deep(b'{"password": "' + b"[" * 500 + b'"}')
    assert not too_deep(b'{"a": "\\"' + b"{" * 500 + b'"}')
    assert too_deep(b"[" * 33)
    assert not too_deep(b"[" * 32 + b"]" * 32)
    assert not too_deep(b"[[]]" * 1000)  # many brackets, shallow


def test_a_body_over_the_size_limit_is_413_problem_json(client):
    response = client.post(LOGIN, data=b" " * (65 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert response.json["code"] == "payload_too_large"
