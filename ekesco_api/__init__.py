"""eKesco API: the backend of KESCO's customer app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from ekesco_api.config import engine_options, load_config, migrations_directory

API_DESCRIPTION = """\
The backend of the eKesco app of KESCO, Kosovo's electricity supplier.

**Authentication.** Register (`POST /auth/register`), confirm the SMS code (`POST /auth/verify`),
then send `Authorization: Bearer <access_token>`. Access tokens live 15 minutes; refresh them with
`POST /auth/refresh` and the refresh token as bearer (it rotates on every use).

**Errors** are `application/problem+json` documents with a stable `code` to switch on; `title`
and `detail` come in the language of `Accept-Language` (`sq`, `en`, `sr`; Albanian by default).

**Money** is a decimal string with two places, in EUR. **Times** are ISO 8601 in UTC.

**Lists** take `page` and `page_size`; the `X-Pagination` header says how many there are.

**Limits.** A body is at most 64 KiB (else 413 `payload_too_large`) and nests arrays and objects
at most 32 levels deep (else 400 `json_too_deep`); each string and list at most its field's
`maxLength` and `maxItems` (else 422); a URL at most 8,190 bytes (414 `uri_too_long`), at most 60
headers (431 `headers_too_large`). A database that is down or does not answer gives 503
`database_unavailable` with `Retry-After`, within seconds.
"""


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, errors, commands."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config())
    if config:
        app.config.update(config)
        if "SQLALCHEMY_ENGINE_OPTIONS" not in config:
            uri = app.config["SQLALCHEMY_DATABASE_URI"]
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(uri)
    app.config["API_SPEC_OPTIONS"] = {
        "info": {"description": API_DESCRIPTION},
        "servers": [{"url": "/", "description": "this server"}],
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
        },
    }
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # "Pejë", not "Pej\u00eb"

    from ekesco_api import body_limits, logs, request_ids
    from ekesco_api.routing import BoundedIntConverter

    request_ids.init_app(app)  # first: every later hook and log line knows the request's id
    logs.configure(app)
    body_limits.init_app(app)

    app.url_map.converters["int"] = BoundedIntConverter
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from ekesco_api import (
        auth,
        metrics,
        models,  # noqa: F401  (every model on the metadata)
        security,
    )
    from ekesco_api.database_faults import configure_timeouts
    from ekesco_api.db import configure_postgresql, configure_sqlite
    from ekesco_api.extensions import api, babel, cors, db, jwt, limiter, migrate
    from ekesco_api.i18n import check_catalogs, select_locale
    from ekesco_api.security import headers

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        elif db.engine.dialect.name == "postgresql":
            configure_postgresql(db.engine)
            configure_timeouts(app, db.engine)
        metrics.init_app(app, db.engine)
    migrate.init_app(app, db, directory=migrations_directory(app.root_path))
    babel.init_app(app, locale_selector=select_locale)
    check_catalogs(app)  # without them every answer, SMS and PDF would be English
    jwt.init_app(app)
    security.init_app(app)
    auth.init_app(app)  # session revocation: the auth domain owns session families
    headers.init_app(app)  # before the limiter: see headers.init_app
    limiter.init_app(app)
    if app.config["CORS_ORIGINS"]:
        cors.init_app(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}})
    api.init_app(app)


def register_blueprints(app: Flask) -> None:
    from ekesco_api import console, health, pages
    from ekesco_api.extensions import api
    from ekesco_api.payments import simulated_bank

    app.register_blueprint(health.bp)
    app.register_blueprint(console.bp)  # /console, the staff web page
    app.register_blueprint(pages.bp)  # /docs, /reset-password, /payments/return
    simulated_bank.init_app(app)  # /simulated-bank, except in production
    for blueprint in _domain_blueprints():
        api.register_blueprint(blueprint, url_prefix="/api/v1" + (blueprint.url_prefix or ""))


def _domain_blueprints() -> list[Any]:
    from ekesco_api.areas.routes import blp as areas_blp
    from ekesco_api.auth.routes import blp as auth_blp
    from ekesco_api.balance.routes import blp as balance_blp
    from ekesco_api.bills.routes import blp as bills_blp
    from ekesco_api.customer_requests import routes as customer_requests
    from ekesco_api.disconnection import routes as disconnection
    from ekesco_api.disconnection import staff_routes as staff_disconnection
    from ekesco_api.meters.routes import blp as meters_blp
    from ekesco_api.notifications.routes import blp as notifications_blp
    from ekesco_api.outages import routes as outages
    from ekesco_api.payments.routes import blp as payments_blp
    from ekesco_api.profile.routes import blp as profile_blp
    from ekesco_api.public_payments.routes import blp as public_payments_blp
    from ekesco_api.readings.routes import blp as readings_blp
    from ekesco_api.registration.routes import blp as registration_blp
    from ekesco_api.staff.routes import blp as staff_blp
    from ekesco_api.tariffs.routes import blp as tariffs_blp

    return [
        auth_blp,
        registration_blp,
        profile_blp,
        tariffs_blp,
        meters_blp,
        readings_blp,
        bills_blp,
        balance_blp,
        payments_blp,
        public_payments_blp,
        areas_blp,
        *(outages.outages_blp, outages.me_blp, outages.staff_blp),
        notifications_blp,
        staff_blp,
        *(customer_requests.blp, customer_requests.staff_blp),
        *(disconnection.blp, staff_disconnection.blp),
    ]


def register_error_handlers(app: Flask) -> None:
    from ekesco_api.error_handlers import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from ekesco_api import notifications
    from ekesco_api.bills import commands as bill_commands  # noqa: F401  (bill-reminders)
    from ekesco_api.cis_import import commands as cis_commands  # noqa: F401  (import, demo-data)
    from ekesco_api.cli import ekesco
    from ekesco_api.disconnection import commands as disconnection_commands  # noqa: F401
    from ekesco_api.meters import commands as meter_commands  # noqa: F401  (block-warnings)
    from ekesco_api.outages import commands as outage_commands  # noqa: F401  (outage-reminders)
    from ekesco_api.payments import commands as payment_commands  # noqa: F401  (export-payments)
    from ekesco_api.staff import commands as staff_commands  # noqa: F401  (create-staff)
    from ekesco_api.tariffs import commands as tariff_commands  # noqa: F401  (import-tariffs)

    notifications.init_app(app)  # `ekesco worker`; refuses unknown SMS/EMAIL/PUSH_BACKEND
    app.cli.add_command(ekesco)
