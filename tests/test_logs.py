"""Log lines: JSON, one per request, masked, and no client can forge one."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from ekesco_api.logs import mask_personal_data
from tests.support.auth import token_headers
from tests.support.customers import make_customer
from tests.support.logs import captured_logs


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the production handler writes, for the duration of a test."""
    with captured_logs() as stream:
        yield stream


def _records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("arben.krasniqi@example.com", "a***@example.com"),
        ("+383 44 123 456", "***56"),
        ("044123456", "***56"),
        ("044-123-456", "***56"),
        ("personal number 1234567890", "personal number ***90"),
        ("at 2026-05-01T10:00:00.123456+00:00", "at 2026-05-01T10:00:00.123456+00:00"),
        ("meter 42, bill 12345", "meter 42, bill 12345"),
    ],
)
def test_emails_and_phone_numbers_are_masked(text, masked):
    assert mask_personal_data(text) == masked


def test_a_newline_in_a_message_cannot_start_a_line_of_its_own(lines):
    logging.getLogger("test").warning(
        "user said %s", 'x"\n{"level": "INFO", "message": "forged"}\r\x1b[31m'
    )
    (record,) = _records(lines)
    assert record["level"] == "WARNING"
    assert record["message"].startswith('user said x"\n{"level"')  # data, inside one string


def test_one_line_per_request_with_route_status_duration_and_who(client, db_session, lines):
    customer = make_customer(db_session)
    headers = token_headers(db_session, customer.account, **{"X-Request-ID": "trace-1"})
    client.get(f"/api/v1/meters/{customer.meter.id}?secret=hunter2", headers=headers)
    (line,) = [r for r in _records(lines) if r["logger"] == "ekesco.access"]
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/meters/<int:meter_id>"  # the template, no query string
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["request_id"] == "trace-1"
    assert line["account_id"] == customer.account.id
    assert "hunter2" not in lines.getvalue()
