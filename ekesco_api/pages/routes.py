"""The pages our links open, and the API's docs: plain pages under the console's strict CSP.

- /docs: Swagger UI from the pinned flask-swagger-ui package (its files, served by us), so the
  docs work offline and no page of ours loads a script from elsewhere.
- /reset-password?token=…: the page the password-reset e-mail links to; its script posts the
  new password to POST /api/v1/auth/password/reset.
- /payments/return?order_id=…&result=…: where the bank sends the customer back; it shows what
  we know of the payment (the bank's signed callback decides, not the `result` in the URL).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import flask_swagger_ui
from flask import Blueprint, Response, render_template, request, send_from_directory

from ekesco_api.console.routes import CONTENT_SECURITY_POLICY
from ekesco_api.extensions import db
from ekesco_api.i18n import LANGUAGES, language, request_language
from ekesco_api.pages.payment_return import payment_outcome

bp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/pages/static",
)

SWAGGER_UI = Path(flask_swagger_ui.__file__).parent / "dist"


def _page_language() -> str:
    """`?lang=` when it names one of ours (the page's own switcher), else Accept-Language."""
    chosen = request.args.get("lang", "")
    return chosen if chosen in LANGUAGES else request_language()


def _switcher() -> list[tuple[str, str]]:
    """(language, URL of this page in it), keeping the page's own query."""
    links = []
    for code in LANGUAGES:
        args = {**request.args.to_dict(), "lang": code}
        links.append((code, f"{request.path}?{urlencode(args)}"))
    return links


@bp.get("/docs")
def docs() -> str:
    """Swagger UI over /api/v1/openapi.json."""
    return render_template("pages/docs.html", spec_url="/api/v1/openapi.json")


@bp.get("/docs/swagger-ui/<path:filename>")
def swagger_ui(filename: str) -> Response:
    return send_from_directory(SWAGGER_UI, filename, max_age=86400)


@bp.get("/reset-password")
def reset_password() -> str:
    """The form behind the e-mailed link: a new password, twice, for the token in the URL."""
    chosen = _page_language()
    with language(chosen):
        return render_template(
            "pages/reset_password.html",
            lang=chosen,
            switcher=_switcher(),
            token=request.args.get("token", ""),
        )


@bp.get("/payments/return")
def payment_return() -> str:
    """What became of the payment the bank sends the customer back from."""
    chosen = _page_language()
    outcome = payment_outcome(
        db.session(),
        order_id=request.args.get("order_id", ""),
        bank_said=request.args.get("result"),
    )
    with language(chosen):
        return render_template(
            "pages/payment_return.html", lang=chosen, switcher=_switcher(), outcome=outcome
        )


@bp.after_request
def _secure(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Referrer-Policy"] = "no-referrer"  # the reset token is in the URL
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response
