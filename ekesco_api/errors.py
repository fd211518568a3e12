"""One error shape for the whole API: RFC 9457 problem documents with a stable `code`.

Domains declare their errors as `ApiError` subclasses in their own `errors.py`; the handlers
here render those, webargs/marshmallow validation failures, werkzeug's HTTP errors and any
unexpected fault in the same shape, translated into the request's language.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import marshmallow as ma
from flask import Flask, Response, current_app, json
from flask_babel import LazyString
from werkzeug.exceptions import HTTPException

from ekesco_api.i18n import _, _l

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class ApiError(Exception):
    """An error a client can act on: an HTTP status, a stable code, a translated title."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str | LazyString] = _l("The request could not be processed.")

    def __init__(
        self,
        detail: str | LazyString | None = None,
        *,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(str(detail or self.title))
        self.detail = detail
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class NotFound(ApiError):
    status = 404
    code = "not_found"
    title = _l("Not found.")


class ValidationFailed(ApiError):
    status = 422
    code = "validation_error"
    title = _l("Some fields are not valid.")


class TooManyAttempts(ApiError):
    status = 429
    code = "too_many_attempts"
    title = _l("Too many attempts. Please wait and try again.")


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"
    title = _l("You need to log in.")


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
    title = _l("You are not allowed to do this.")


def field_error(code: str, message: str | LazyString) -> dict[str, str]:
    """A marshmallow field message that also carries a stable code for clients to switch on."""
    return {"code": code, "message": message}


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
    return response


# marshmallow's validators put their numbers and choices into English sentences before we see
# them, so an exact catalog lookup misses them; these patterns give them back their msgid.
_PARAMETRISED: tuple[tuple[re.Pattern[str], LazyString], ...] = (
    (
        re.compile(r"Shorter than minimum length (?P<min>\S+)\.$"),
        _l("Shorter than minimum length %(min)s."),
    ),
    (
        re.compile(r"Longer than maximum length (?P<max>\S+)\.$"),
        _l("Longer than maximum length %(max)s."),
    ),
    (
        re.compile(r"Length must be between (?P<min>\S+) and (?P<max>\S+)\.$"),
        _l("Length must be between %(min)s and %(max)s."),
    ),
    (re.compile(r"Length must be (?P<equal>\S+)\.$"), _l("Length must be %(equal)s.")),
    (re.compile(r"Must be one of: (?P<choices>.*)\.$"), _l("Must be one of: %(choices)s.")),
    (
        re.compile(
            r"Must be greater than or equal to (?P<min>\S+) and less than or equal to "
            r"(?P<max>\S+)\.$"
        ),
        _l("Must be between %(min)s and %(max)s."),
    ),
    (
        re.compile(r"Must be greater than or equal to (?P<min>\S+)\.$"),
        _l("Must be at least %(min)s."),
    ),
    (re.compile(r"Must be less than or equal to (?P<max>\S+)\.$"), _l("Must be at most %(max)s.")),
)


def _translate(message: Any) -> str:
    """marshmallow's own messages are English; our catalogs translate them."""
    text = str(message)
    if not text:
        return text
    for pattern, template in _PARAMETRISED:
        match = pattern.match(text)
        if match:
            return str(template) % match.groupdict()
    return _(text)


def normalise_field_errors(
    messages: Any, prefix: str = ""
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Flatten marshmallow's nested messages into {field: [message]} and {field: [code]}."""
    errors: dict[str, list[str]] = {}
    codes: dict[str, list[str]] = {}

    def add(field: str, item: Any) -> None:
        if isinstance(item, Mapping) and "code" in item and "message" in item:
            errors.setdefault(field, []).append(_translate(item["message"]))
            codes.setdefault(field, []).append(str(item["code"]))
        elif isinstance(item, Mapping):
            sub_errors, sub_codes = normalise_field_errors(item, prefix=f"{field}.")
            for key, value in sub_errors.items():
                errors.setdefault(key, []).extend(value)
            for key, value in sub_codes.items():
                codes.setdefault(key, []).extend(value)
        elif isinstance(item, list | tuple):
            for sub in item:
                add(field, sub)
        else:
            errors.setdefault(field, []).append(_translate(item))

    if isinstance(messages, Mapping):
        for key, value in messages.items():
            add(f"{prefix}{key}", value)
    else:
        add(f"{prefix}_schema", messages)
    return errors, codes


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
    return problem(422, code, _translate(title), errors=errors, extra=extra)


def handle_api_error(error: ApiError) -> Response:
    return problem(
        error.status,
        error.code,
        str(error.title),
        detail=str(error.detail) if error.detail else None,
        errors=error.errors or None,
        extra=error.extra or None,
        headers=error.headers,
    )


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    if status == 422 and ("messages" in data or "errors" in data):
        return validation_problem(data.get("errors") or data.get("messages"))
    if status == 400 and "messages" in data:
        # webargs reports unreadable JSON as 400; say it plainly.
        return problem(400, "malformed_json", _("The body is not valid JSON."))
    code, title = _HTTP_CODES.get(status, ("http_error", _l("The request could not be processed.")))
    headers = dict(data.get("headers") or {})
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    return problem(status, code, str(title), headers=headers)


def handle_unexpected(error: Exception) -> Response:
    """A fault of ours: log it with the stack, tell the client nothing about internals."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled error", exc_info=error)
    code, title = _HTTP_CODES[500]
    return problem(500, code, str(title))


class ValueOutOfRange(ApiError):
    status = 422
    code = "value_out_of_range"
    title = _l("A number in the request is too large or too small.")


class TextInvalid(ApiError):
    status = 422
    code = "text_invalid"
    title = _l("The request contains characters that are not allowed.")


def handle_bad_text(error: Exception) -> Response:
    """Text no database can store: a lone UTF-16 surrogate ("\\ud800") or a NUL character.

    JSON allows both and marshmallow passes them as strings; they fail only when encoded for
    the driver (UnicodeEncodeError) or stored in PostgreSQL text (DataError), so the one place
    that sees every such input is here.
    """
    from ekesco_api.extensions import db

    db.session.rollback()
    log.info("invalid text in a request: %s", type(error).__name__)
    return handle_api_error(TextInvalid())


def _is_nul_in_text(error: Exception) -> bool:
    return "NUL" in str(getattr(error, "orig", error))


def handle_data_error(error: Exception) -> Response:
    return handle_bad_text(error) if _is_nul_in_text(error) else handle_out_of_range(error)


def handle_out_of_range(error: Exception) -> Response:
    """A number no column can hold reached the database: the client's input, not our fault.

    Schemas bound the numbers they know; this catches the rest (an id in a query string, a
    page far beyond any list) on SQLite (OverflowError) and PostgreSQL (DataError) alike.
    """
    from ekesco_api.extensions import db

    db.session.rollback()
    log.info("value out of range: %s", type(error).__name__)
    return handle_api_error(ValueOutOfRange())


def register_error_handlers(app: Flask) -> None:
    from sqlalchemy.exc import DataError

    app.register_error_handler(OverflowError, handle_out_of_range)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(UnicodeEncodeError, handle_bad_text)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem document; `code` is stable, `title` and `detail` are translated."""

    type = ma.fields.String(metadata={"description": "A URI naming the kind of problem."})
    title = ma.fields.String(metadata={"description": "Short translated summary."})
    status = ma.fields.Integer(metadata={"description": "The HTTP status."})
    detail = ma.fields.String(metadata={"description": "Translated explanation."})
    code = ma.fields.String(
        metadata={
            "description": "Stable snake_case code clients switch on.",
            "example": "customer_code_taken",
        }
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Per-field translated messages (validation errors)."},
    )
    field_codes = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Per-field stable codes, where the contract names one."},
    )


def documents(blp: Any, *error_classes: type[ApiError]) -> Callable[[Any], Any]:
    """Document the problem responses an operation can give, grouped by status, codes listed.

    Use on a view method: `@documents(blp, CustomerCodeTaken, EmailTaken)`.
    """
    by_status: dict[int, list[str]] = {}
    for cls in error_classes:
        by_status.setdefault(cls.status, []).append(cls.code)

    def decorator(func: Any) -> Any:
        for status, codes in sorted(by_status.items()):
            func = blp.alt_response(
                status,
                schema=ProblemSchema,
                content_type=PROBLEM_JSON,
                description="Problem codes: " + ", ".join(f"`{c}`" for c in sorted(set(codes))),
            )(func)
        return func

    return decorator


# marshmallow's own English messages, listed so that extraction keeps their translations.
MARSHMALLOW_MESSAGES = (
    _l("Missing data for required field."),
    _l("Not a valid string."),
    _l("Not a valid integer."),
    _l("Not a valid date."),
    _l("Not a valid datetime."),
    _l("Not a valid email address."),
    _l("Not a valid number."),
    _l("Not a valid boolean."),
    _l("Not a valid list."),
    _l("Invalid input type."),
    _l("Unknown field."),
    _l("Field may not be null."),
    _l("Invalid value."),
)
