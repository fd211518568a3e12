"""The simulated bank: a card page with Pay and Decline, for development, demos and tests.

It stands where the bank's hosted page stands in production and behaves like it: it checks the
signed request (`BANK_SIGNING_KEY`), and on Pay or Decline it sends the signed callback a bank
sends (X-Timestamp, X-Signature over `"<timestamp>.<raw body>"` with PAYMENT_WEBHOOK_SECRET)
into the same `receive_callback` that POST /payments/callback runs, then sends the customer back
to the return URL the request named (success_url or fail_url: our /payments/return page).
It takes no card details at all. Registered only when EKESCO_ENV is not production.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    redirect,
    render_template_string,
    request,
)
from markupsafe import Markup

from ekesco_api.errors import ApiError
from ekesco_api.extensions import db
from ekesco_api.payments.callback import callback_signature, receive_callback
from ekesco_api.payments.gateway import SIGNED_FIELDS, SIMULATED_BANK_PATH, request_signature_valid

bp = Blueprint("simulated_bank", __name__, url_prefix="/simulated-bank")

_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · Simulated bank</title>
<style>
 body { font-family: system-ui, sans-serif; background: #eef2f6; margin: 0; }
 main { max-width: 26rem; margin: 3rem auto; background: #fff; padding: 2rem;
        border-radius: .75rem; box-shadow: 0 2px 12px #0002; }
 .warn { background: #fff4ce; padding: .5rem .75rem; border-radius: .4rem; font-size: .9rem; }
 .amount { font-size: 2rem; font-weight: 700; margin: 1rem 0; }
 button { font-size: 1rem; padding: .7rem 1.4rem; border: 0; border-radius: .4rem;
          cursor: pointer; margin-right: .5rem; }
 #pay { background: #1a7f37; color: #fff; } #decline { background: #d1242f; color: #fff; }
 .status { font-size: 1.4rem; font-weight: 700; }
</style></head>
<body><main>{{ content }}</main></body></html>
"""

_CHECKOUT = """
<p class="warn">Simulated bank — for development and demos. No card is charged.</p>
<h1>KESCO · eKesco</h1>
<p>Order <strong id="order">{{ fields.order_id }}</strong></p>
<p class="amount" id="amount">{{ fields.amount }} {{ fields.currency }}</p>
<form method="post" action="{{ action }}">
  {% for name, value in fields.items() %}
  <input type="hidden" name="{{ name }}" value="{{ value }}">
  {% endfor %}
  <input type="hidden" name="signature" value="{{ signature }}">
  <button id="pay" type="submit" name="decision" value="pay">Pay</button>
  <button id="decline" type="submit" name="decision" value="decline">Decline</button>
</form>
"""


def _page(title: str, content: str, http_status: int = 200, **context: Any) -> Response:
    inner = render_template_string(content, **context)
    html = render_template_string(_PAGE, title=title, content=Markup(inner))
    return Response(html, status=http_status, headers=_HEADERS, mimetype="text/html")


def _signed_fields(source: Any) -> tuple[dict[str, str], bool]:
    fields = {name: source.get(name, "") for name in SIGNED_FIELDS}
    key = current_app.config["BANK_SIGNING_KEY"]
    return fields, request_signature_valid(key, fields, source.get("signature", ""))


@bp.get("/pay")
def checkout() -> Response:
    """The card page: the amount, Pay and Decline."""
    fields, valid = _signed_fields(request.args)
    if not valid:
        return _page("Refused", "<h1>The payment request is not signed correctly.</h1>", 400)
    return _page(
        "Pay",
        _CHECKOUT,
        fields=fields,
        signature=request.args.get("signature", ""),
        action=SIMULATED_BANK_PATH,
    )


@bp.post("/pay")
def decide() -> Response | Any:
    """Pay or Decline: send the bank's signed callback, then show the result."""
    fields, valid = _signed_fields(request.form)
    if not valid or not fields["order_id"].isdigit():
        return _page("Refused", "<h1>The payment request is not signed correctly.</h1>", 400)
    succeeded = request.form.get("decision") == "pay"
    body = json.dumps(
        {
            "payment_id": int(fields["order_id"]),
            "status": "succeeded" if succeeded else "failed",
            "bank_reference": "SIM-" + secrets.token_hex(8).upper(),
            "amount": fields["amount"],
            "currency": fields["currency"],
        }
    ).encode()
    timestamp = str(int(time.time()))
    secret = current_app.config["PAYMENT_WEBHOOK_SECRET"]
    try:
        receive_callback(
            db.session(),
            raw_body=body,
            timestamp=timestamp,
            signature=callback_signature(secret, timestamp, body),
            secret=secret,
            remote_addr="simulated-bank",
            user_agent="ekesco-simulated-bank",
        )
    except ApiError as error:
        return _page(
            "Refused", "<h1>The shop refused the result: {{ code }}</h1>", 400, code=error.code
        )
    # As the bank does: back to the shop's return page the signed request named (/payments/return).
    return redirect(fields["success_url" if succeeded else "fail_url"], 303)


def init_app(app: Flask) -> None:
    """Register the simulated bank, except in production (where it must never answer)."""
    if app.config.get("EKESCO_ENV") != "production":
        app.register_blueprint(bp)
