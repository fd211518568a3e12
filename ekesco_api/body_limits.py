"""Limits on request bodies that hold before any JSON parser runs: size, nesting, integers.

Python's `json` module parses nested arrays and objects by recursion, so a 2 KB body of a
thousand `[` raised RecursionError deep inside webargs (a 500). No body of this API nests more
than a few levels, so a body nested deeper than MAX_JSON_DEPTH is refused with 400
`json_too_deep` before it is parsed. The depth is counted by a scan that cannot recurse:
strings are cut out with one regular expression (a `[` inside a string opens nothing), then the
brackets left are counted in order. Likewise an integer of more digits than Python converts
(`sys.get_int_max_str_digits()`, 4,300) made the parser raise a plain ValueError that webargs
does not catch (a 500): it is refused as what it is, a number too large, 422
`value_out_of_range`. Size is Flask's MAX_CONTENT_LENGTH (413 `payload_too_large`); the length
of each string and list is the schema's (`maxLength`, `maxItems` in the spec, 422 otherwise).
"""

from __future__ import annotations

import re
import sys

from flask import Flask, request

from ekesco_api.errors import ApiError, ValueOutOfRange
from ekesco_api.i18n import _l

MAX_JSON_DEPTH = 32
# The most digits the parser turns into an int (0: no limit).
MAX_INTEGER_DIGITS = sys.get_int_max_str_digits()

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
# Tried only where a run of digits starts, so each scan is linear in the body.
_LONG_RUN = re.compile(rb"(?<![0-9])[0-9]{%d}" % (MAX_INTEGER_DIGITS + 1))
# An integer literal, not a fraction or an exponent: floats of any length parse.
_LONG_INTEGER = re.compile(
    rb"(?<![0-9.eE+\-])-?[0-9]{%d}(?![0-9]*[.eE])" % (MAX_INTEGER_DIGITS + 1)
)


class JsonTooDeep(ApiError):
    status = 400
    code = "json_too_deep"
    title = _l("The body nests arrays or objects too deeply.")


def too_deep(data: bytes, *, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects nest more than `limit` levels deep in the JSON text `data`.

    Malformed text gets an answer too; the parser refuses it afterwards as it always has.
    """
    # Most bodies hold fewer brackets than the limit: nothing to scan.
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth = max(depth - 1, 0)
    return False


def integer_too_long(data: bytes) -> bool:
    """Whether the JSON text `data` holds an integer of more digits than the parser converts."""
    if not MAX_INTEGER_DIGITS or len(data) <= MAX_INTEGER_DIGITS or not _LONG_RUN.search(data):
        return False
    return _LONG_INTEGER.search(_STRING.sub(b'""', data)) is not None


def _refuse_hostile_json() -> None:
    if not request.is_json:
        return
    # Flask refuses a body over MAX_CONTENT_LENGTH (413) while reading it here, chunked or not.
    data = request.get_data(cache=True)
    if too_deep(data):
        raise JsonTooDeep()
    if integer_too_long(data):
        raise ValueOutOfRange()


def init_app(app: Flask) -> None:
    app.before_request(_refuse_hostile_json)
