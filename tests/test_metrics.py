"""/metrics: Prometheus' format, for those the settings allow, and nobody else."""

from __future__ import annotations

from ekesco_api import create_app

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
