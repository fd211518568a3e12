"""What gunicorn needs from us (gunicorn.conf.py): its own error answers as problem documents.

gunicorn answers some requests itself, before the app sees them: a request line over
`limit_request_line` (414), more or larger headers than allowed (431), a malformed request
(400). It writes those as a small HTML page through `gunicorn.util.write_error`, the one place
every worker class calls; `install()` replaces that function with one writing the same status as
`application/problem+json`. In English: no request was parsed, so no language was asked for.
"""

from __future__ import annotations

import json
import socket

import gunicorn.util

# The code a client switches on, by the status gunicorn chose.
CODES = {
    400: "bad_request",
    403: "forbidden",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
}


def problem_bytes(status: int, reason: str) -> bytes:
    """The whole HTTP answer gunicorn sends for `status`, as a problem document."""
    code = CODES.get(status, "bad_request")
    body = json.dumps(
        {
            "type": f"urn:ekesco:problem:{code}",
            "title": f"{reason}.",
            "status": status,
            "detail": f"{reason}.",
            "code": code,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/problem+json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def write_problem(sock: socket.socket, status_int: int, reason: str, _mesg: str) -> None:
    # gunicorn's message repeats the offending input (a URL, a header): not echoed back.
    gunicorn.util.write_nonblock(sock, problem_bytes(status_int, reason))


def install() -> None:
    """Make every gunicorn worker of this process answer its own errors as problem+json."""
    gunicorn.util.write_error = write_problem
