"""Configuration from the environment; production refuses to start without its secrets."""

from __future__ import annotations

import pytest

from ekesco_api.config import ConfigError, load_config

SECRETS = {
    "SECRET_KEY": "s" * 40,
    "JWT_SECRET_KEY": "j" * 40,
    "PAYMENT_WEBHOOK_SECRET": "p" * 40,
    "DATABASE_URL": "postgresql://db.example/ekesco",
    "BANK_MERCHANT_ID": "KESCO-0001",
    "BANK_PAYMENT_URL": "https://bank.example/hpp",
    "BANK_SIGNING_KEY": "b" * 40,
}


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_production_refuses_to_start_without_a_secret(missing: str) -> None:
    env = {"EKESCO_ENV": "production", **SECRETS}
    del env[missing]
    with pytest.raises(ConfigError, match=missing):
        load_config(env)


def test_production_starts_with_every_secret() -> None:
    config = load_config({"EKESCO_ENV": "production", **SECRETS})
    assert config["SECRET_KEY"] == SECRETS["SECRET_KEY"]
    # The usual postgres:// spelling is read with psycopg 3.
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db.example/ekesco"


def test_development_has_defaults_for_everything() -> None:
    config = load_config({})
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["SMS_BACKEND"] == "file"
    assert config["RATELIMIT_ENABLED"] is True
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_rate_limits_can_be_switched_off() -> None:
    assert load_config({"RATELIMIT_ENABLED": "false"})["RATELIMIT_ENABLED"] is False


def test_bad_number_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        load_config({"MAX_CONTENT_LENGTH": "lots"})


def test_cors_origins_are_a_list() -> None:
    config = load_config({"CORS_ORIGINS": "https://app.kesco-energy.com, https://web.example"})
    assert config["CORS_ORIGINS"] == ["https://app.kesco-energy.com", "https://web.example"]


def test_pooled_connections_are_not_pinged_before_each_request(app) -> None:
    # A round trip per request; database_faults notices a closed connection without one
    # (test_database_faults: a restarted server costs no request a 503).
    assert "pool_pre_ping" not in load_config(SECRETS)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert load_config({})["SQLALCHEMY_ENGINE_OPTIONS"] == {}
    from ekesco_api.extensions import db

    with app.app_context():
        assert db.engine.pool._pre_ping is False


def test_waiting_for_the_database_is_bounded_and_configurable() -> None:
    options = load_config(SECRETS)["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"connect_timeout": 3}
    assert options["pool_timeout"] == 3
    tuned = load_config({**SECRETS, "DATABASE_CONNECT_TIMEOUT": "7", "DATABASE_POOL_TIMEOUT": "2"})[
        "SQLALCHEMY_ENGINE_OPTIONS"
    ]
    assert tuned["connect_args"] == {"connect_timeout": 7} and tuned["pool_timeout"] == 2
    assert load_config(SECRETS)["DATABASE_STATEMENT_TIMEOUT"] == 5


def test_forwarded_addresses_are_believed_only_when_configured() -> None:
    assert load_config({})["TRUSTED_PROXY_HOPS"] == 0
    assert load_config({"TRUSTED_PROXY_HOPS": "1"})["TRUSTED_PROXY_HOPS"] == 1


def test_metrics_are_closed_in_production_unless_configured() -> None:
    production = {**SECRETS, "EKESCO_ENV": "production"}
    assert load_config(production)["METRICS_ALLOW_FROM"] == []
    assert load_config({})["METRICS_ALLOW_FROM"]  # loopback in development
    with pytest.raises(ConfigError, match="METRICS_ALLOW_FROM"):
        load_config({"METRICS_ALLOW_FROM": "not-a-network"})
