"""Hostile bodies: nesting too deep or an integer too long is refused before the parser sees it."""

from __future__ import annotations

import pytest

from ekesco_api.body_limits import MAX_INTEGER_DIGITS, MAX_JSON_DEPTH, integer_too_long, too_deep

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


@pytest.mark.parametrize("sign", ["", "-"])
def test_an_integer_too_long_to_parse_is_422_value_out_of_range_not_a_500(client, sign):
    digits = "9" * (MAX_INTEGER_DIGITS + 1)
    body = f'{{"username": {sign}{digits}, "password": "a long passphrase"}}'
    response = client.post(
        LOGIN, data=body, content_type="application/json", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert response.json["code"] == "value_out_of_range"
    assert response.json["title"] == "A number in the request is too large or too small."


def test_only_integers_the_parser_cannot_convert_are_refused_before_it():
    long = b"9" * (MAX_INTEGER_DIGITS + 1)
    assert integer_too_long(b"[" + long + b"]")
    assert integer_too_long(b'{"a": [1, -' + long + b"]}")
    assert not integer_too_long(b"[" + long[1:] + b"]")  # at the limit: parsed as usual
    assert not integer_too_long(b'["' + long + b'"]')  # a string of digits
    assert not integer_too_long(b"[" + long + b".5, 0." + long + b", 1e" + long + b"]")  # floats
    assert not integer_too_long(b"[" + b", ".join([long[1:]] * 10) + b"]")
