"""Every answer's security headers, Retry-After only where it means something, and proxies."""

from __future__ import annotations

from ekesco_api import create_app
from ekesco_api.extensions import client_ip

LOGIN = "/api/v1/auth/login"
BAD_LOGIN = {"username": "nobody@example.com", "password": "wrong password"}


def test_api_answers_may_not_be_sniffed_framed_or_run(client):
    response = client.get("/api/v1/areas")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # development: plain HTTP


def test_errors_carry_them_too(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_console_keeps_its_own_policy(client):
    response = client.get("/console/")
    assert "script-src" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_production_answers_insist_on_https(app):
    production = create_app({**app.config, "EKESCO_ENV": "production"})
    response = production.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_retry_after_comes_only_with_a_429(client):
    answered = client.post(LOGIN, json=BAD_LOGIN)
    assert answered.status_code == 401
    assert "X-RateLimit-Remaining" in answered.headers
    assert "Retry-After" not in answered.headers
    for _ in range(10):
        refused = client.post(LOGIN, json=BAD_LOGIN)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


def _app_telling_the_client_ip(app, hops):
    behind = create_app({**app.config, "TRUSTED_PROXY_HOPS": hops})

    @behind.get("/_test/ip")
    def _ip() -> str:
        return client_ip()

    return behind.test_client()


FORWARDED = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(app):
    client = _app_telling_the_client_ip(app, 0)
    response = client.get("/_test/ip", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert response.get_data(as_text=True) == "10.1.1.1"


def test_one_trusted_hop_takes_the_address_that_proxy_saw(app):
    client = _app_telling_the_client_ip(app, 1)
    response = client.get("/_test/ip", headers=FORWARDED, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    # The client may write anything in front; only what our one proxy appended counts.
    assert response.get_data(as_text=True) == "203.0.113.9"
