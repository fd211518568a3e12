"""Flask extensions, created unbound here and bound to the app in `create_app`."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from flask_babel import Babel
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from flask_sqlalchemy import SQLAlchemy
from werkzeug.exceptions import HTTPException

from ekesco_api.api_docs import ProblemSchema
from ekesco_api.db import Base
from ekesco_api.i18n import select_locale
from ekesco_api.problems import PROBLEM_JSON, http_problem
from ekesco_api.spec_plugin import AnswersPlugin, problem_header_docs
from ekesco_api.verified_tokens import CachingJWTManager


class ProblemApi(Api):
    """flask-smorest's Api, answering every HTTP error as problem+json, and saying so."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        return http_problem(error)

    def init_app(self, app: Flask, **kwargs: Any) -> None:
        super().init_app(app, **kwargs)
        app.after_request(_no_content_is_bare)

    def _init_spec(self, **kwargs: Any) -> None:
        kwargs["extra_plugins"] = [AnswersPlugin(), *(kwargs.get("extra_plugins") or ())]
        super()._init_spec(**kwargs)

    def _register_responses(self) -> None:
        # flask-smorest documents its shared error answers (the 422 of every operation with a
        # body, the default) as application/json; ours are problem+json.
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_JSON
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE
        for response in self.spec.components.responses_lazy.values():
            if "content" in response:
                response["headers"] = problem_header_docs()

    def _register_pagination_header(self) -> None:
        # The header's value is JSON text, so the spec says so with a media type.
        self.spec.components.header(
            "PAGINATION",
            {
                "description": 'Pagination metadata, as JSON text: `{"total": 57, '
                '"total_pages": 3, "first_page": 1, "last_page": 3, "page": 1, "next_page": 2}`.',
                "content": {"application/json": {"schema": PaginationMetadataSchema}},
            },
            lazy=True,
        )


def _no_content_is_bare(response: Response) -> Response:
    """An answer without a body names no content type.

    flask-smorest writes a 204's None as JSON `null` (which HTTP then drops), and Flask calls
    the empty body of a bare `Response(status=202)` text/html: neither is what the spec says.
    """
    if response.status_code == 204:
        response.set_data(b"")
    if response.is_sequence and not any(response.response):
        del response.headers["Content-Type"]
    return response


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
