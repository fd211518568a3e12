"""/metrics: Prometheus' format, for those the settings allow, and nobody else."""

from __future__ import annotations

import datetime as dt

from ekesco_api import create_app
from ekesco_api.notifications.models import Message
from ekesco_api.types import utcnow

LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}
OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


def test_metrics_count_requests_per_route_and_status(client):
    client.get("/api/v1/areas")
    response = client.get("/metrics", environ_base=LOOPBACK)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert 'ekesco_http_requests_total{method="GET",route="/api/v1/areas",status="200"}' in text
    assert "ekesco_http_request_duration_seconds_bucket" in text
    assert "ekesco_db_pool_connections_in_use" in text


def test_metrics_are_not_public(client):
    response = client.get("/metrics", environ_base=OUTSIDE)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_a_token_opens_them_from_anywhere_and_production_is_closed_without_one(app):
    production = create_app(
        {
            **app.config,
            "EKESCO_ENV": "production",
            "METRICS_ALLOW_FROM": [],
            "METRICS_TOKEN": "s3cret-scraper-token",
        }
    ).test_client()
    assert production.get("/metrics", environ_base=LOOPBACK).status_code == 404
    wrong = {"Authorization": "Bearer guess"}
    assert production.get("/metrics", headers=wrong, environ_base=OUTSIDE).status_code == 404
    right = {"Authorization": "Bearer s3cret-scraper-token"}
    assert production.get("/metrics", headers=right, environ_base=OUTSIDE).status_code == 200


def _value(client, line_start: str) -> float:
    text = client.get("/metrics", environ_base=LOOPBACK).get_data(as_text=True)
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_logins_are_counted_by_outcome(client):
    refused = 'ekesco_logins_total{outcome="refused"}'
    before = _value(client, refused)
    client.post("/api/v1/auth/login", json={"username": "nobody@example.com", "password": "x" * 12})
    assert _value(client, refused) == before + 1


def test_the_outbox_depth_and_the_age_of_the_oldest_due_message(client, db_session):
    queued = Message(
        channel="sms",
        kind="test",
        recipient="+38344000001",
        body="b",
        next_attempt_at=utcnow() - dt.timedelta(minutes=5),
    )
    db_session.add(queued)
    db_session.flush()
    assert _value(client, 'ekesco_outbox_messages{status="queued"}') >= 1
    assert _value(client, "ekesco_outbox_oldest_due_seconds") >= 299


def test_a_made_up_method_adds_no_series_of_its_own(client):
    # Any client may send any method gunicorn lets through (up to 20 capital letters): a
    # series per method would let it grow the metrics without bound.
    assert client.open("/healthz", method="QWERTYUIOP").status_code == 405
    text = client.get("/metrics", environ_base=LOOPBACK).get_data(as_text=True)
    assert "QWERTYUIOP" not in text
    assert 'ekesco_http_requests_total{method="other",route="unmatched",status="405"}' in text
