"""Headers every answer carries, and whose word to take for the client's address.

Behind a reverse proxy the client's address arrives in `X-Forwarded-For`. Believing that header
without a proxy in front lets any client pick its own address and walk past every per-address
limit, so it is believed only for TRUSTED_PROXY_HOPS proxies (0 by default: none), counted from
the right, the hops our own proxies appended.
"""

from __future__ import annotations

from flask import Flask, Response, g
from werkzeug.middleware.proxy_fix import ProxyFix

from ekesco_api.problems import RETRY_AFTER_KEY

# An API answer is never a page: nothing may run, load or frame it.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# An HTML page that set no policy of its own may not be framed (clickjacking).
PAGE_POLICY = "frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"


def trust_proxies(app: Flask) -> None:
    """Take X-Forwarded-For and X-Forwarded-Proto from TRUSTED_PROXY_HOPS proxies, no more."""
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0
        )


def _secure(response: Response, *, hsts: bool) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if "Content-Security-Policy" not in headers:
        html = (response.mimetype or "").startswith("text/html")
        headers["Content-Security-Policy"] = PAGE_POLICY if html else API_POLICY
    if hsts:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


# Answers that tell the client to wait: a 429, a 503.
WAIT_STATUSES = frozenset({429, 503})


def _retry_after_only_when_waiting(response: Response) -> Response:
    # Flask-Limiter writes Retry-After on every answer of a limited route, even a 200 (there
    # it would tell a client to back off for nothing), and on a 503 or one of our own 429s it
    # writes its window's end over the wait the answer named (the database's 5 s became 60).
    if response.status_code not in WAIT_STATUSES:
        response.headers.pop("Retry-After", None)
    elif g.get(RETRY_AFTER_KEY) is not None:
        response.headers["Retry-After"] = g.get(RETRY_AFTER_KEY)
    return response


def init_app(app: Flask) -> None:
    """Secure every answer; HSTS only in production, where the service is reached over HTTPS.

    Call before the rate limiter's init_app: Flask runs after-request hooks last-registered
    first, so the Retry-After the limiter adds is seen (and dropped where it does not belong).
    """
    hsts = app.config.get("EKESCO_ENV") == "production"
    app.after_request(_retry_after_only_when_waiting)
    app.after_request(lambda response: _secure(response, hsts=hsts))
    trust_proxies(app)
