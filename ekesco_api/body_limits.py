"""Limits on request bodies that hold before any JSON parser runs: size and nesting depth.

Python's `json` module parses nested arrays and objects by recursion, so a 2 KB body of a
thousand `[` raised RecursionError deep inside webargs (a 500). No body of this API nests more
than a few levels, so a body nested deeper than MAX_JSON_DEPTH is refused with 400
`json_too_deep` before it is parsed. The depth is counted by a scan that cannot recurse:
strings are cut out with one regular expression (a `[` inside a string opens nothing), then the
brackets left are counted in order. Size is Flask's MAX_CONTENT_LENGTH (413
`payload_too_large`); the length of each string and list is the schema's (`maxLength`,
`maxItems` in the spec, 422 otherwise).
"""

from __future__ import annotations

import re

from flask import Flask, request

from ekesco_api.errors import ApiError
from ekesco_api.i18n import _l

MAX_JSON_DEPTH = 32

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


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


def _refuse_deep_json() -> None:
    if not request.is_json:
        return
    # Flask refuses a body over MAX_CONTENT_LENGTH (413) while reading it here, chunked or not.
    if too_deep(request.get_data(cache=True)):
        raise JsonTooDeep()


def init_app(app: Flask) -> None:
    app.before_request(_refuse_deep_json)
