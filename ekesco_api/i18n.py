"""Languages: Accept-Language picks sq (default), en or sr; accounts keep their own for messages."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, has_request_context, request
from flask_babel import force_locale, gettext, lazy_gettext

LANGUAGES = ("sq", "en", "sr")
DEFAULT_LANGUAGE = "sq"

_ = gettext
_l = lazy_gettext

log = logging.getLogger(__name__)


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


def missing_catalogs(translations: Path) -> list[str]:
    """The languages whose compiled catalog (messages.mo) is not under `translations`.

    English needs none: the messages are written in English.
    """
    return [
        code
        for code in LANGUAGES
        if code != "en" and not (translations / code / "LC_MESSAGES" / "messages.mo").is_file()
    ]


def check_catalogs(app: Flask) -> None:
    """Refuse to start production without the compiled catalogs; elsewhere say so loudly.

    Flask-Babel falls back to the English msgid without a word when a catalog is missing:
    a service installed without them answers, texts and prints everything in English.
    """
    missing = missing_catalogs(Path(app.root_path) / "translations")
    if not missing:
        return
    message = (
        f"compiled catalogs missing for {', '.join(missing)} under {app.root_path}/translations: "
        "every answer, SMS, e-mail and PDF would be in English. Install from the wheel (its "
        "build compiles them) or run `make translations` in a checkout."
    )
    if app.config.get("EKESCO_ENV") == "production":
        raise RuntimeError(message)
    log.error(message)
