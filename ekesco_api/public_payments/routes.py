"""/public: look up a paper bill and pay it, no login (a parent's or a landlord's bill).

Guessing is made useless by limits, counted in the limiter's storage (Redis in production, so
every instance counts together), on both operations at once:
- every request from one address (`PUBLIC_RATE_LIMIT_PER_IP`), counted before it runs, so that
  a burst of parallel requests cannot outrun the count;
- wrong pairs from one address (`PUBLIC_FAILURES_PER_IP`), the tight limit on guessing;
- wrong pairs naming one customer code, from anywhere (`PUBLIC_FAILURES_PER_CODE`), against
  guesses spread over many addresses.
The per-code limit only counts failures and is set above what one address may fail in the same
windows, so a payer who keeps mistyping (or someone hostile from one address) is cut off by the
address limit long before the code is locked; locking a code takes several addresses, and it
unlocks by itself when the window passes. Even then only this public look-up waits: the holder's
app, the banks and the cash desks are not affected. Rate-limit keys hold a keyed hash of the
code, never the code itself (they live in Redis and the limiter logs them).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from ekesco_api.api_docs import documents
from ekesco_api.errors import TooManyAttempts, ValidationFailed
from ekesco_api.extensions import client_ip, db, limiter
from ekesco_api.i18n import request_language
from ekesco_api.keys import identifier_key, private_key
from ekesco_api.payments.errors import (
    IdempotencyKeyInvalid,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
)
from ekesco_api.payments.gateway import gateway_from_config
from ekesco_api.payments.idempotency_keys import (
    IDEMPOTENCY_HEADER,
    answer,
    idempotency_key,
    idempotency_key_required,
)
from ekesco_api.payments.schemas import PaymentSchema
from ekesco_api.public_payments import service
from ekesco_api.public_payments.errors import BillUnknown
from ekesco_api.public_payments.schemas import (
    BillLookupArgs,
    BillPaymentCreateSchema,
    PayableBillSchema,
)

blp = Blueprint(
    "public",
    __name__,
    url_prefix="/public",
    description="Paying a paper bill without an account: the look-up and the card payment.",
)

# Defaults; each can be tuned with the app config key of the same name.
LIMITS = {
    # Generous: many people share one address behind a mobile operator's NAT.
    "PUBLIC_RATE_LIMIT_PER_IP": "60/minute;2000/day",
    "PUBLIC_FAILURES_PER_IP": "5/minute;20/hour;50/day",
    # Above what one address may fail in an hour (20) and a day (50): see the module.
    "PUBLIC_FAILURES_PER_CODE": "30/hour;100/day",
}
SCOPE = "public-bills"  # the look-up and the payment count together


def _limit(name: str) -> Any:
    return lambda: current_app.config.get(name, LIMITS[name])


def _wrong_pair(response: Any) -> bool:
    return bool(response.status_code == BillUnknown.status)


def _code_key() -> str:
    body = request.get_json(silent=True) if request.method == "POST" else None
    code = (
        body.get("customer_code") if isinstance(body, dict) else request.args.get("customer_code")
    )
    if not isinstance(code, str) or not identifier_key(code):
        return "-"
    return private_key("code", identifier_key(code)[:64])


def guarded(view: Any) -> Any:
    """The three limits of the module, shared by the look-up and the payment."""
    for limit in (
        limiter.shared_limit(
            _limit("PUBLIC_RATE_LIMIT_PER_IP"), SCOPE + "-all", key_func=client_ip
        ),
        limiter.shared_limit(
            _limit("PUBLIC_FAILURES_PER_IP"), SCOPE, key_func=client_ip, deduct_when=_wrong_pair
        ),
        limiter.shared_limit(
            _limit("PUBLIC_FAILURES_PER_CODE"),
            SCOPE + "-code",
            key_func=_code_key,
            deduct_when=_wrong_pair,
        ),
    ):
        view = limit(view)
    return view


@blp.route("/bills/lookup")
class BillLookup(MethodView):
    @guarded
    @blp.doc(operationId="lookUpBill", security=[])
    @blp.arguments(BillLookupArgs, location="query")
    @blp.response(200, PayableBillSchema)
    @documents(blp, BillUnknown, ValidationFailed, TooManyAttempts)
    def get(self, args: dict[str, Any]) -> Any:
        """Find a paper bill to pay it, no login

        Both references from the paper bill must match one bill; a wrong code and a wrong bill
        number get the same 404 `bill_unknown`. The answer shows the holder's initials, the
        period, the due date and what is still owed on the bill, nothing more. Wrong pairs are
        limited per address and per customer code (429 with `Retry-After`; a right pair waits
        for the window too), and so are all requests per address.
        """
        return service.find_bill(
            db.session(), customer_code=args["customer_code"], bill_number=args["bill_number"]
        )


@blp.route("/payments")
class BillPayment(MethodView):
    @guarded
    @idempotency_key_required
    @blp.doc(operationId="payBill", security=[], parameters=[IDEMPOTENCY_HEADER])
    @blp.arguments(BillPaymentCreateSchema)
    @blp.response(201, PaymentSchema)
    @documents(
        blp,
        BillUnknown,
        IdempotencyKeyMissing,
        IdempotencyKeyInvalid,
        IdempotencyKeyReused,
        ValidationFailed,
        TooManyAttempts,
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Pay a paper bill by card, no login

        The same customer code and bill number as the look-up (404 `bill_unknown` for either
        wrong, counted by the same limits), the amount (422 `amount_invalid` as in the app) and
        optionally an e-mail address for the receipt, which is written in the language of this
        request. Open `redirect_url` to pay on the bank's card page. The payment pays the bill's
        customer code like one made in the app: the holder's balance shows it as pending until
        the CIS confirms it. The `Idempotency-Key` header works as for `POST /payments`.
        """
        created = service.pay_bill(
            db.session(),
            idempotency_key=idempotency_key(),
            customer_code=data["customer_code"],
            bill_number=data["bill_number"],
            amount=data["amount"],
            email=data.get("email"),
            gateway=gateway_from_config(current_app.config),
            base_url=request.host_url,
            language=request_language(),
        )
        return answer(created)
