"""marshmallow's messages in the request's language, flattened to {field: [message]} with codes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import LazyString

from ekesco_api.i18n import _, _l

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


def translate(message: Any) -> str:
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
    """Flatten marshmallow's nested messages into {field: [message]} and {field: [code]}.

    A message made with `ekesco_api.errors.field_error` brings its code along.
    """
    errors: dict[str, list[str]] = {}
    codes: dict[str, list[str]] = {}

    def add(field: str, item: Any) -> None:
        if isinstance(item, Mapping) and "code" in item and "message" in item:
            errors.setdefault(field, []).append(translate(item["message"]))
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
            errors.setdefault(field, []).append(translate(item))

    if isinstance(messages, Mapping):
        for key, value in messages.items():
            add(f"{prefix}{key}", value)
    else:
        add(f"{prefix}_schema", messages)
    return errors, codes


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
