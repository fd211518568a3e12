"""Flask extensions, created unbound here and bound to the app in `create_app`."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import Babel
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from werkzeug.exceptions import HTTPException

from ekesco_api.api_docs import ProblemSchema
from ekesco_api.db import Base
from ekesco_api.i18n import select_locale
from ekesco_api.problems import http_problem
from ekesco_api.verified_tokens import CachingJWTManager


class ProblemApi(Api):
    """flask-smorest's Api, answering every HTTP error as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        return http_problem(error)


db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate(compare_type=True, render_as_batch=True)
api = ProblemApi()
jwt = CachingJWTManager()
babel = Babel()
cors = CORS()


def client_ip() -> str:
    """The caller's address; behind a proxy, ProxyFix has already put the client's here."""
    return get_remote_address() or request.remote_addr or "unknown"


limiter = Limiter(key_func=client_ip, default_limits=[], headers_enabled=True)

__all__ = ["api", "babel", "cors", "db", "jwt", "limiter", "migrate", "select_locale"]
