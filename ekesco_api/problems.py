"""Problem documents (RFC 9457): the one shape of every error answer, in the request's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, current_app, g, has_request_context, json
from flask_babel import LazyString
from werkzeug.exceptions import HTTPException

from ekesco_api.errors import ApiError, ValidationFailed
from ekesco_api.i18n import _, _l
from ekesco_api.validation_messages import normalise_field_errors, translate

PROBLEM_JSON = "application/problem+json"
# Where a problem answer keeps the Retry-After it named, for the request's later hooks.
RETRY_AFTER_KEY = "problem_retry_after"

# Titles for werkzeug's own errors, by status, with the code clients switch on.
_HTTP_CODES: dict[int, tuple[str, LazyString]] = {
    400: ("bad_request", _l("The request could not be processed.")),
    401: ("unauthorized", _l("You need to log in.")),
    403: ("forbidden", _l("You are not allowed to do this.")),
    404: ("not_found", _l("Not found.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    406: ("not_acceptable", _l("The requested format is not available.")),
    409: ("conflict", _l("The request conflicts with the current state.")),
    413: ("payload_too_large", _l("The request body is too large.")),
    415: ("unsupported_media_type", _l("Send the body as JSON (application/json).")),
    422: ("validation_error", _l("Some fields are not valid.")),
    429: ("too_many_attempts", _l("Too many attempts. Please wait and try again.")),
    500: ("internal_error", _l("Something went wrong on our side. Please try again later.")),
    503: ("unavailable", _l("The service is temporarily unavailable.")),
}


def problem(
    status: int,
    code: str,
    title: str,
    *,
    detail: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": "about:blank"
        if code.startswith(("internal", "not_found"))
        else f"urn:ekesco:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail or title,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if headers and "Retry-After" in headers and has_request_context():
        # The rate limiter rewrites Retry-After on its routes' answers with its own window's
        # end; security.headers puts back the wait this answer named (RETRY_AFTER_KEY).
        g.setdefault(RETRY_AFTER_KEY, headers["Retry-After"])
    return response


def api_error_problem(error: ApiError) -> Response:
    """The problem document of one of our own errors."""
    return problem(
        error.status,
        error.code,
        str(error.title),
        detail=str(error.detail) if error.detail else None,
        errors=error.errors or None,
        extra=error.extra or None,
        headers=error.headers,
    )


def status_problem(status: int, *, headers: Mapping[str, str] | None = None) -> Response:
    """The plain problem document of an HTTP status, with its usual code and title."""
    code, title = _HTTP_CODES.get(status, ("http_error", _l("The request could not be processed.")))
    return problem(status, code, str(title), headers=headers)


def validation_problem(messages: Any) -> Response:
    """422 for invalid input; the single named code wins when every failure shares it."""
    # webargs keys messages by location ("json", "query", ...); clients want field names.
    if isinstance(messages, Mapping) and set(messages) <= {
        "json",
        "query",
        "form",
        "headers",
        "files",
        "view_args",
        "path",
    }:
        merged: dict[str, Any] = {}
        for value in messages.values():
            if isinstance(value, Mapping):
                merged.update(value)
            else:
                merged.setdefault("_schema", []).append(value)
        messages = merged
    errors, codes = normalise_field_errors(messages)
    distinct = {c for cs in codes.values() for c in cs}
    uncoded = any(len(errors[f]) > len(codes.get(f, [])) for f in errors)
    code = distinct.pop() if len(distinct) == 1 and not uncoded else "validation_error"
    title = str(ValidationFailed.title)
    extra = {"field_codes": codes} if codes else None
    return problem(422, code, translate(title), errors=errors, extra=extra)


def http_problem(error: HTTPException) -> Response:
    """werkzeug's and webargs' HTTP errors as problem documents."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    if status == 422 and ("messages" in data or "errors" in data):
        return validation_problem(data.get("errors") or data.get("messages"))
    if status == 400 and "messages" in data:
        # webargs reports unreadable JSON as 400; say it plainly.
        return problem(400, "malformed_json", _("The body is not valid JSON."))
    headers = dict(data.get("headers") or {})
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    return status_problem(status, headers=headers)
