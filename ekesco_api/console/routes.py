"""/console: the page and its static files, sent with a strict Content-Security-Policy."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from ekesco_api.console.strings import catalog
from ekesco_api.i18n import LANGUAGES, request_language

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# Only our own script, style and API: no inline script or style, no framing, no plugins.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@bp.get("")
@bp.get("/")
def index() -> str:
    """The console page: the script logs in and calls /api/v1 from there."""
    return render_template(
        "console/index.html",
        strings=catalog(),
        languages=LANGUAGES,
        initial_language=request_language(),
    )


@bp.after_request
def _secure(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    if response.mimetype == "text/html":
        # The page holds nothing secret, but keep it out of shared caches all the same.
        response.headers["Cache-Control"] = "no-store"
    return response
