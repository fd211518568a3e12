"""The app's error handlers: each kind of failure answered with its problem document."""

from __future__ import annotations

import logging

from flask import Flask, Response
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from ekesco_api import database_faults
from ekesco_api.errors import ApiError, TextInvalid, ValueOutOfRange
from ekesco_api.extensions import db
from ekesco_api.problems import api_error_problem, http_problem, status_problem

log = logging.getLogger(__name__)


def handle_unexpected(error: Exception) -> Response:
    """A fault of ours: log it with the stack, tell the client nothing about internals."""
    if isinstance(error, HTTPException):
        return http_problem(error)
    log.exception("unhandled error", exc_info=error)
    return status_problem(500)


def handle_bad_text(error: Exception) -> Response:
    """Text no database can store: a lone UTF-16 surrogate ("\\ud800") or a NUL character.

    JSON allows both and marshmallow passes them as strings; they fail only when encoded for
    the driver (UnicodeEncodeError) or stored in PostgreSQL text (DataError), so the one place
    that sees every such input is here.
    """
    db.session.rollback()
    log.info("invalid text in a request: %s", type(error).__name__)
    return api_error_problem(TextInvalid())


def _is_nul_in_text(error: Exception) -> bool:
    return "NUL" in str(getattr(error, "orig", error))


def handle_data_error(error: Exception) -> Response:
    return handle_bad_text(error) if _is_nul_in_text(error) else handle_out_of_range(error)


def handle_out_of_range(error: Exception) -> Response:
    """A number no column can hold reached the database: the client's input, not our fault.

    Schemas bound the numbers they know; this catches the rest (an id in a query string, a
    page far beyond any list) on SQLite (OverflowError) and PostgreSQL (DataError) alike.
    """
    db.session.rollback()
    log.info("value out of range: %s", type(error).__name__)
    return api_error_problem(ValueOutOfRange())


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(OverflowError, handle_out_of_range)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(UnicodeEncodeError, handle_bad_text)
    database_faults.register_error_handlers(app)  # down, refused, hung: 503
    app.register_error_handler(ApiError, api_error_problem)
    app.register_error_handler(HTTPException, http_problem)
    app.register_error_handler(Exception, handle_unexpected)
