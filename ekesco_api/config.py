"""Configuration read from the environment, with development defaults."""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

INSTANCE_DIR = Path(os.environ.get("EKESCO_INSTANCE_DIR", Path.cwd() / "instance"))

# Secrets that production must be given; development gets throwaway defaults.
PRODUCTION_SECRETS = ("SECRET_KEY", "JWT_SECRET_KEY", "PAYMENT_WEBHOOK_SECRET", "DATABASE_URL")


class ConfigError(RuntimeError):
    """Start-up refused: the environment lacks something production needs."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _decimal(env: dict[str, str], name: str, default: str) -> Decimal:
    raw = env.get(name) or default
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise ConfigError(f"{name} must be an amount such as {default}, got {raw!r}") from exc
    if not value.is_finite() or value <= 0:
        raise ConfigError(f"{name} must be a positive amount, got {raw!r}")
    return value


def _networks(env: dict[str, str], name: str, default: str) -> list[Any]:
    raw = env.get(name, default)
    try:
        return [ipaddress.ip_network(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise ConfigError(f"{name} must list networks such as 10.0.0.0/8, got {raw!r}") from exc


def _database_url(raw: str | None) -> str:
    if not raw:
        return f"sqlite:///{INSTANCE_DIR / 'ekesco.sqlite3'}"
    # psycopg 3 is the driver; accept the usual postgres:// and postgresql:// spellings.
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def engine_options(
    database_url: str, *, connect_timeout: int = 3, pool_timeout: int = 3
) -> dict[str, Any]:
    """SQLAlchemy engine options for `database_url`.

    Connecting, and waiting for a free connection of the pool, are bounded (`database_faults`
    bounds the rest, and notices a pooled connection the server has closed without the
    round trip of the pool's pre-ping).
    """
    if database_url.startswith("sqlite"):
        return {}
    return {
        "pool_timeout": pool_timeout,
        "connect_args": {"connect_timeout": connect_timeout},
    }


def migrations_directory(package_root: str) -> str:
    """Alembic's folder: inside the package when installed from the wheel, else the checkout's.

    The wheel's build step copies the repository's migrations/ into the package (setup.py).
    """
    installed = Path(package_root) / "migrations"
    return str(installed if installed.is_dir() else Path(package_root).parent / "migrations")


def load_config(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Read the environment into Flask settings; refuse to start production without secrets."""
    env = dict(os.environ if env is None else env)
    ekesco_env = env.get("EKESCO_ENV", "development")
    production = ekesco_env == "production"
    if production:
        missing = [name for name in PRODUCTION_SECRETS if not env.get(name)]
        if missing:
            raise ConfigError(
                "EKESCO_ENV=production needs these environment variables: " + ", ".join(missing)
            )
    dev_secret = "dev-only-not-secret-" + "x" * 32
    gateway = env.get("PAYMENT_GATEWAY", "bank" if production else "simulated")
    if gateway not in {"bank", "simulated"}:
        raise ConfigError(f"PAYMENT_GATEWAY must be bank or simulated, got {gateway!r}")
    if production:
        bank = ("BANK_MERCHANT_ID", "BANK_PAYMENT_URL", "BANK_SIGNING_KEY")
        if gateway != "bank" or any(not env.get(name) for name in bank):
            raise ConfigError(
                "EKESCO_ENV=production takes card payments at the bank: it needs "
                "PAYMENT_GATEWAY=bank and " + ", ".join(bank)
            )
    return {
        "EKESCO_ENV": ekesco_env,
        "TESTING": False,
        "SECRET_KEY": env.get("SECRET_KEY", dev_secret),
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL")),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(
            _database_url(env.get("DATABASE_URL")),
            connect_timeout=_int(env, "DATABASE_CONNECT_TIMEOUT", 3),
            pool_timeout=_int(env, "DATABASE_POOL_TIMEOUT", 3),
        ),
        # Seconds a request's statement may run, or wait for a lock, on PostgreSQL (0: no
        # bound); a server that stops answering is given up a second after (database_faults).
        "DATABASE_STATEMENT_TIMEOUT": _int(env, "DATABASE_STATEMENT_TIMEOUT", 5),
        "DATABASE_LOCK_TIMEOUT": _int(env, "DATABASE_LOCK_TIMEOUT", 3),
        # Requests larger than this are refused with a problem document (413).
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 64 * 1024),
        # JWT: one fixed algorithm; tokens are only ever read from the Authorization header.
        "JWT_SECRET_KEY": env.get("JWT_SECRET_KEY", dev_secret),
        "JWT_ALGORITHM": "HS256",
        "JWT_DECODE_ALGORITHMS": ["HS256"],
        "JWT_TOKEN_LOCATION": ["headers"],
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=15),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=30),
        "PAYMENT_WEBHOOK_SECRET": env.get("PAYMENT_WEBHOOK_SECRET", dev_secret),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
        # Card payments: the bank's hosted page (production) or the built-in simulated bank.
        "PAYMENT_GATEWAY": gateway,
        "BANK_MERCHANT_ID": env.get("BANK_MERCHANT_ID", ""),
        "BANK_PAYMENT_URL": env.get("BANK_PAYMENT_URL", ""),
        "BANK_SIGNING_KEY": env.get("BANK_SIGNING_KEY", dev_secret),
        "PAYMENT_MAX_AMOUNT": _decimal(env, "PAYMENT_MAX_AMOUNT", "5000.00"),
        # Rate limits (Flask-Limiter); memory by default, Redis in production.
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis away or hung: each process counts in its own memory meanwhile (limits still
        # hold, per process) instead of every limited route answering 500; a hung Redis is
        # given up after two seconds. Flask-Limiter goes back to Redis when it answers again.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2}
        if env.get("RATELIMIT_STORAGE_URI", "").startswith("redis")
        else {},
        # Login: every attempt counts per address (generous: mobile carriers share addresses);
        # only failed attempts count per username, so a customer on many devices is never blocked.
        "LOGIN_RATE_LIMIT_PER_IP": env.get("LOGIN_RATE_LIMIT_PER_IP", "60/minute"),
        "LOGIN_RATE_LIMIT_PER_USERNAME": env.get(
            "LOGIN_RATE_LIMIT_PER_USERNAME", "5/minute;20/hour"
        ),
        "PASSWORD_FORGOT_RATE_LIMIT_PER_IP": env.get(
            "PASSWORD_FORGOT_RATE_LIMIT_PER_IP", "20/hour"
        ),
        "PASSWORD_FORGOT_RATE_LIMIT_PER_EMAIL": env.get(
            "PASSWORD_FORGOT_RATE_LIMIT_PER_EMAIL", "3/hour"
        ),
        "PASSWORD_RESET_RATE_LIMIT_PER_IP": env.get("PASSWORD_RESET_RATE_LIMIT_PER_IP", "20/hour"),
        # Wrong current passwords on PUT /me/password, per address (a stolen access token must
        # not become a password oracle).
        "PASSWORD_CHANGE_RATE_LIMIT_PER_IP": env.get(
            "PASSWORD_CHANGE_RATE_LIMIT_PER_IP", "5/minute"
        ),
        "PASSWORD_RESET_TOKEN_EXPIRES": timedelta(minutes=30),
        # Requests and complaints one account may file per Kosovo day (past it: 429).
        "REQUESTS_PER_DAY": _int(env, "REQUESTS_PER_DAY", 20),
        # Messages.
        "SMS_BACKEND": env.get("SMS_BACKEND", "file"),
        "EMAIL_BACKEND": env.get("EMAIL_BACKEND", "file"),
        "PUSH_BACKEND": env.get("PUSH_BACKEND", "file"),
        "SMS_FILE": env.get("SMS_FILE", str(INSTANCE_DIR / "sms.jsonl")),
        "EMAIL_FILE": env.get("EMAIL_FILE", str(INSTANCE_DIR / "email.jsonl")),
        "PUSH_FILE": env.get("PUSH_FILE", str(INSTANCE_DIR / "push.jsonl")),
        # Messages the worker claims at once (`ekesco worker --batch-size` overrides it).
        "WORKER_BATCH_SIZE": _int(env, "WORKER_BATCH_SIZE", 500),
        # Seconds a worker's claim on a batch lasts unless renewed (it renews every third):
        # how soon another worker takes over the messages of one that was killed.
        "WORKER_LEASE_SECONDS": _int(env, "WORKER_LEASE_SECONDS", 30),
        "SMS_GATEWAY_URL": env.get("SMS_GATEWAY_URL", ""),
        "SMS_GATEWAY_TOKEN": env.get("SMS_GATEWAY_TOKEN", ""),
        "SMTP_HOST": env.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": _int(env, "SMTP_PORT", 587),
        "SMTP_USERNAME": env.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS"), True),
        "MAIL_FROM": env.get("MAIL_FROM", "eKesco <no-reply@kesco-energy.com>"),
        "PUSH_GATEWAY_URL": env.get("PUSH_GATEWAY_URL", ""),
        "PUSH_GATEWAY_TOKEN": env.get("PUSH_GATEWAY_TOKEN", ""),
        # Proxies in front whose X-Forwarded-For and X-Forwarded-Proto are believed (0: none,
        # so a client cannot pick its own address); 1 for one nginx or balancer in front.
        "TRUSTED_PROXY_HOPS": _int(env, "TRUSTED_PROXY_HOPS", 0),
        # Who may read /metrics: a bearer token, or clients in these networks (comma-separated).
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        "METRICS_ALLOW_FROM": _networks(
            env, "METRICS_ALLOW_FROM", "" if production else "127.0.0.1/32,::1/128"
        ),
        "CORS_ORIGINS": [o.strip() for o in env.get("CORS_ORIGINS", "").split(",") if o.strip()],
        # Languages: Albanian first, then English and Serbian (Latin script).
        "BABEL_DEFAULT_LOCALE": "sq",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ("sq", "en", "sr"),
        # flask-smorest / OpenAPI.
        "API_TITLE": "eKesco API",
        "API_VERSION": "1.0.0",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "api/v1/openapi.json",
        # /docs is ekesco_api.pages': Swagger UI from a pinned package, no CDN.
        "API_SPEC_OPTIONS": {},
    }
