"""Languages: Accept-Language picks sq (default), en or sr; accounts keep their own for messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_request_context, request
from flask_babel import force_locale, gettext, lazy_gettext

LANGUAGES = ("sq", "en", "sr")
DEFAULT_LANGUAGE = "sq"

_ = gettext
_l = lazy_gettext


def select_locale() -> str:
    """Flask-Babel's locale selector: the best of our languages for this request."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    languages = current_app.config.get("LANGUAGES", LANGUAGES)
    return request.accept_languages.best_match(languages, default=DEFAULT_LANGUAGE) or (
        DEFAULT_LANGUAGE
    )


def request_language() -> str:
    """The language this request is answered in (what an account adopts at registration)."""
    return select_locale()


@contextmanager
def language(code: str | None) -> Iterator[None]:
    """Render messages in an account's own language, whatever the request asked for."""
    with force_locale(code if code in LANGUAGES else DEFAULT_LANGUAGE):
        yield
