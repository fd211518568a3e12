"""X-Request-ID: taken from the caller (a proxy) when sane, generated otherwise, echoed back.

The audit trail stores it and every log line of the request carries it, so one console click
can be followed through logs and the record.
"""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
# Anything else (too long, odd characters) could smuggle text into logs: replace it.
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def current_request_id() -> str | None:
    """This request's id, or None outside a request."""
    if not has_request_context():
        return None
    value = g.get("request_id")
    return value if isinstance(value, str) else None


def _assign() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if _SANE.match(given) else uuid.uuid4().hex


def _echo(response: Response) -> Response:
    request_id = current_request_id()
    if request_id:
        response.headers[HEADER] = request_id
    return response


def init_app(app: Flask) -> None:
    """Every request gets its id first thing, and every answer carries it."""
    app.before_request(_assign)
    app.after_request(_echo)
