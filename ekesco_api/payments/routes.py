"""/payments: card payments through the bank's hosted page, their history and receipts."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, Page

from ekesco_api.api_docs import documents
from ekesco_api.db import SelectPage
from ekesco_api.downloads import pdf_doc, pdf_response
from ekesco_api.errors import ValidationFailed
from ekesco_api.extensions import db
from ekesco_api.i18n import request_language
from ekesco_api.meters.errors import MeterNotFound
from ekesco_api.payments import callback, history, intents, receipts
from ekesco_api.payments.errors import (
    AmountMismatch,
    BankReferenceTaken,
    CallbackPaymentUnknown,
    IdempotencyKeyInvalid,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    PaymentNotFound,
    PaymentNotSucceeded,
    SignatureInvalid,
    TimestampOutOfRange,
)
from ekesco_api.payments.gateway import gateway_from_config
from ekesco_api.payments.idempotency_keys import (
    IDEMPOTENCY_HEADER,
    answer,
    idempotency_key,
    idempotency_key_required,
)
from ekesco_api.payments.schemas import (
    CallbackAnswerSchema,
    PaymentCallbackSchema,
    PaymentCreateSchema,
    PaymentSchema,
)
from ekesco_api.security.guards import (
    current_account_id,
    customer_required,
    session_to_confirm,
)
from ekesco_api.spec_plugin import header_ref

blp = Blueprint(
    "payments",
    __name__,
    url_prefix="/payments",
    description="Card payments at the bank's hosted page: intents, the bank's callback, receipts.",
)


@blp.route("")
class PaymentList(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="listPayments")
    @blp.response(200, PaymentSchema(many=True))
    @blp.paginate(Page, page_size=20, max_page_size=100)
    def get(self) -> Any:
        """The account's card payments

        Newest first; `page` and `page_size` (20 by default, at most 100), totals in the
        `X-Pagination` header. `status` is `pending` until the bank answers, then `succeeded`
        or `failed`; an intent nobody paid within 30 minutes becomes `expired`.
        """
        return SelectPage(db.session(), history.payments_query(current_account_id()))

    # The account's meters are read first, and that statement finds the session live too.
    @customer_required(blp, statement_checks_session=True, confirms_before_writing=True)
    @idempotency_key_required
    @blp.doc(operationId="createPayment", parameters=[IDEMPOTENCY_HEADER])
    @blp.arguments(PaymentCreateSchema())
    @blp.response(
        201,
        PaymentSchema,
        headers={
            "Location": header_ref("LOCATION"),
            "Idempotent-Replayed": header_ref("IDEMPOTENT_REPLAYED"),
        },
    )
    @documents(
        blp,
        IdempotencyKeyMissing,
        IdempotencyKeyInvalid,
        IdempotencyKeyReused,
        MeterNotFound,
        ValidationFailed,
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Start a card payment

        One payment for one or several of the account's meters (`items`, one per meter);
        open `redirect_url` to pay on the bank's card page (card details never reach us).
        Amounts are positive with at most two decimals, and one payment carries at most
        `PAYMENT_MAX_AMOUNT` (5000.00 by default): otherwise 422 `amount_invalid`.
        `commission` is always 0.00.

        **Idempotency.** The `Idempotency-Key` header is required. Sending the same key with
        the same body again (a retry after a timeout, a double tap, requests racing each
        other) creates nothing new: it answers the stored first answer, again 201, with the
        header `Idempotent-Replayed: true`. The same key with another body is 409
        `idempotency_key_reused`. Keys are kept at least 24 hours.
        """
        key = idempotency_key()
        created = intents.create_payment(
            db.session(),
            account_id=current_account_id(),
            session_family=session_to_confirm(),
            idempotency_key=key,
            items=data["items"],
            gateway=gateway_from_config(current_app.config),
            base_url=request.host_url,
            language=request_language(),
        )
        response = answer(created)
        response.headers["Location"] = f"{request.base_url}/{created.body['id']}"
        return response


@blp.route("/<int:payment_id>")
class PaymentDetail(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="getPayment")
    @blp.response(200, PaymentSchema)
    @documents(blp, PaymentNotFound)
    def get(self, payment_id: int) -> Any:
        """One card payment

        404 for an id that is not one of this account's payments.
        """
        return history.get_payment(
            db.session(), account_id=current_account_id(), payment_id=payment_id
        )


@blp.route("/<int:payment_id>/receipt")
class PaymentReceipt(MethodView):
    @customer_required(blp)
    @blp.doc(
        operationId="getPaymentReceipt",
        responses=pdf_doc("The receipt as one A4 page."),
    )
    @documents(blp, PaymentNotFound, PaymentNotSucceeded)
    def get(self, payment_id: int) -> Any:
        """The receipt of a payment (PDF)

        In the request's language; only for a payment that succeeded (409
        `payment_not_succeeded` otherwise).
        """
        filename, pdf = receipts.receipt_pdf(
            db.session(),
            account_id=current_account_id(),
            payment_id=payment_id,
            language=request_language(),
        )
        return pdf_response(filename, pdf)


@blp.route("/callback")
class PaymentCallbackResource(MethodView):
    @blp.doc(
        operationId="paymentCallback",
        security=[],
        parameters=[
            {
                "in": "header",
                "name": "X-Timestamp",
                "required": True,
                "description": "Unix seconds when the bank signed; at most 5 minutes off.",
                "schema": {"type": "string"},
            },
            {
                "in": "header",
                "name": "X-Signature",
                "required": True,
                "description": 'Hex HMAC-SHA256 of "<timestamp>.<raw body>" with '
                "PAYMENT_WEBHOOK_SECRET.",
                "schema": {"type": "string"},
            },
        ],
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": PaymentCallbackSchema}},
        },
    )
    @blp.response(200, CallbackAnswerSchema)
    @documents(
        blp,
        SignatureInvalid,
        TimestampOutOfRange,
        AmountMismatch,
        CallbackPaymentUnknown,
        BankReferenceTaken,
        ValidationFailed,
    )
    def post(self) -> Any:
        """The bank reports a payment's result (called by the bank, not by apps)

        The signature is checked over the raw body before anything else. Each event is
        applied once: a repeat answers 200 again (`outcome: repeat`) and changes nothing. A
        success for an intent that had expired is still applied (the card was charged).
        Every call, accepted or refused, is recorded for audit.
        """
        result = callback.receive_callback(
            db.session(),
            raw_body=request.get_data(cache=True),
            timestamp=request.headers.get("X-Timestamp"),
            signature=request.headers.get("X-Signature"),
            secret=current_app.config["PAYMENT_WEBHOOK_SECRET"],
            remote_addr=request.remote_addr,
            user_agent=request.headers.get("User-Agent"),
        )
        return {"outcome": result.outcome, "payment_id": result.payment_id, "status": result.status}
