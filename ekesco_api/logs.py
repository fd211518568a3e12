"""Logs an operator can trust: one JSON object a line, no personal data, one line per request.

Every record, ours and the libraries' (the rate limiter, gunicorn, SQLAlchemy), goes through
`JsonLines`: a JSON encoder escapes control characters, so a newline sent by a client can never
start a forged line, and e-mail addresses and phone numbers are masked in the message, in the
fields and in tracebacks (`mask_personal_data`). The request line names the route's template
(`/api/v1/meters/<int:meter_id>`), never the query string or a body: tokens, codes and searches
for a phone number travel there.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import Any

from flask import Flask, Response, g, request
from flask_jwt_extended import get_jwt
from pythonjsonlogger.json import JsonFormatter

from ekesco_api.request_ids import current_request_id

ACCESS = logging.getLogger("ekesco.access")

_EMAIL = re.compile(r"([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")
# A run of digits, maybe after a +, maybe split by spaces, dots or dashes, standing alone; it is
# a phone number in some usual form (+383 44 123 456, 044-123-456), or a personal number, when
# it holds 8 to 15 digits. Found by one cheap pattern and judged by `_phone` (a single pattern
# with nested repeats cost a tenth of a millisecond per line). ISO dates are left alone.
_DIGIT_RUN = re.compile(r"(?<![\w+:.])\+?\d[\d .\-]{6,30}\d(?!\w)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NOT_DIGIT = re.compile(r"\D")


def _phone(match: re.Match[str]) -> str:
    text = match.group()
    digits = _NOT_DIGIT.sub("", text)
    if not 8 <= len(digits) <= 15 or _DATE.match(text) or "  " in text:
        return text
    return "***" + digits[-2:]


def mask_personal_data(text: str) -> str:
    """`arben@example.com` → `a***@example.com`; `+38344123456` → `***56`."""
    if "@" in text:
        text = _EMAIL.sub(r"\1***@\2", text)
    return _DIGIT_RUN.sub(_phone, text)


class JsonLines(JsonFormatter):
    """One JSON object a line: time, level, logger, message and any `extra` fields, masked."""

    def __init__(self, *_format: Any, **_options: Any) -> None:
        # The fields are always these (logging.config passes a format string and a style,
        # meant for text lines: not wanted here).
        super().__init__(
            "{levelname}{name}{message}",
            style="{",
            json_ensure_ascii=False,
            timestamp="time",
            rename_fields={"levelname": "level", "name": "logger"},
        )

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_data(str(super().format(record)))

    def formatException(self, ei: Any) -> str:
        return mask_personal_data(str(super().formatException(ei)))


def configure(app: Flask) -> None:
    """One handler on the root logger writing JSON lines to stderr, and the request line."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonLines) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
        root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    # Its own level: the request line is kept even where something raised the root's.
    ACCESS.setLevel(logging.INFO)
    # Alembic announces each of its plugins at INFO whenever an app is built; not news.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # werkzeug's development server logs each URL with its query string; ours is the line below.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app.before_request(_start_clock)
    app.after_request(_log_request)


def _start_clock() -> None:
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    started = g.get("request_started")
    fields: dict[str, Any] = {
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else None,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "request_id": current_request_id(),
    }
    fields.update(_who())
    ACCESS.info("request", extra=fields)
    return response


def _who() -> dict[str, int]:
    """The account or staff member of a token verified during this request, if any."""
    try:
        claims = get_jwt()
    except RuntimeError:  # no token was verified
        return {}
    kind = "staff_id" if claims.get("kind") == "staff" else "account_id"
    try:
        return {kind: int(claims["sub"])}
    except (TypeError, ValueError):
        return {}
