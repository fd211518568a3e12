"""/auth/register, /auth/verify, /auth/verify/resend and /auth/verification/{id}."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from ekesco_api.api_docs import documents
from ekesco_api.auth.schemas import TokenPairSchema
from ekesco_api.extensions import client_ip, db, limiter
from ekesco_api.i18n import request_language
from ekesco_api.keys import email_key, private_key
from ekesco_api.registration import service
from ekesco_api.registration.errors import (
    CodeExpired,
    CodeInvalid,
    CustomerCodeTaken,
    CustomerCodeUnknown,
    EmailTaken,
    IdCardExpired,
    PersonalNumberInvalid,
    PhoneNotKosovoMobile,
    PhoneTaken,
    ResendTooSoon,
    TooManyAttempts,
    ValidationFailed,
    VerificationNotFound,
    WeakPassword,
)
from ekesco_api.registration.schemas import (
    RegisterSchema,
    RegistrationSchema,
    ResendSchema,
    VerificationStatusSchema,
    VerifySchema,
)

blp = Blueprint(
    "registration",
    __name__,
    url_prefix="/auth",
    description="Registration on a customer code and its verification code.",
)

# Default rate limits; each can be tuned with the app config key of the same name.
RATE_LIMITS = {
    # Per client address. Generous: a mobile operator puts many customers behind one address.
    "RATELIMIT_REGISTER": "10 per minute;100 per hour",
    "RATELIMIT_VERIFY": "30 per minute",
    "RATELIMIT_RESEND": "10 per minute",
    # Per target e-mail, whoever asks: bounds SMS spending and code guessing on one account.
    "RATELIMIT_REGISTER_PER_EMAIL": "5 per hour",
    "RATELIMIT_VERIFY_PER_EMAIL": "10 per 10 minutes",
    "RATELIMIT_RESEND_PER_EMAIL": "5 per hour",
}


def _limit(name: str) -> Any:
    return lambda: current_app.config.get(name, RATE_LIMITS[name])


def _target_email() -> str:
    """The e-mail in the JSON body, normalised; the caller's address when there is none."""
    body = request.get_json(silent=True)
    value = body.get("email") if isinstance(body, dict) else None
    if isinstance(value, str) and value.strip():
        return private_key("email", email_key(value)[:254])  # the address stays out of Redis
    return "ip:" + client_ip()


def _limited(name: str) -> Any:
    """The per-address limit and the per-e-mail limit of one operation, as one decorator."""
    per_ip = limiter.limit(_limit(name))
    per_email = limiter.limit(_limit(name + "_PER_EMAIL"), key_func=_target_email)

    def decorator(func: Any) -> Any:
        return per_ip(per_email(func))

    return decorator


@blp.route("/register")
class Register(MethodView):
    @_limited("RATELIMIT_REGISTER")
    @blp.doc(operationId="register")
    @blp.arguments(RegisterSchema)
    @blp.response(201, RegistrationSchema)
    @documents(
        blp,
        CustomerCodeUnknown,
        CustomerCodeTaken,
        EmailTaken,
        PhoneTaken,
        PhoneNotKosovoMobile,
        PersonalNumberInvalid,
        IdCardExpired,
        WeakPassword,
        ValidationFailed,
        TooManyAttempts,
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Register on a customer code

        Creates an account waiting for verification and sends a 6-digit code by SMS to the
        phone. The name is compared with the holder's in the supplier's records: a mismatch
        does not block registration, but bills then mask the holder's personal data.

        One account per customer code (`customer_code_taken`: someone else is registered on
        it; support can remove that registration at the holder's request), per e-mail
        (`email_taken`, ignoring case) and per phone (`phone_taken`: the phone is also a login
        name). A registration that was never verified holds all three for 24 hours; after that
        a new registration replaces it.

        `language` (sq, en, sr) is the language of the account's messages; by default the one
        `Accept-Language` chose. Rate limited per address and per e-mail (429
        `too_many_attempts` with `Retry-After`).
        """
        return service.register_account(
            db.session,
            customer_code=data["customer_code"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            email=data["email"],
            personal_number=data["personal_number"],
            id_card_expiry=data["id_card_expiry"],
            password=data["password"],
            language=data["language"] or request_language(),
        )


@blp.route("/verification/<string:verification_id>")
class VerificationStatus(MethodView):
    @blp.doc(operationId="getVerificationStatus")
    @blp.response(200, VerificationStatusSchema)
    @documents(blp, VerificationNotFound)
    def get(self, verification_id: str) -> Any:
        """See whether a verification code has left

        `verification_id` is the `verification.id` of the registration answer; no login is
        needed. `delivery` is `queued` until the message is handed to the operator, then `sent`
        (`sent_at` says when) or `failed`. `carrier` names the mobile operator of the number
        for an SMS. After a resend, this reports the newest code.
        """
        return service.verification_status(
            db.session, public_id=verification_id, language=request_language()
        )


@blp.route("/verify")
class Verify(MethodView):
    @_limited("RATELIMIT_VERIFY")
    @blp.doc(operationId="verifyRegistration")
    @blp.arguments(VerifySchema)
    @blp.response(200, TokenPairSchema)
    @documents(blp, CodeInvalid, CodeExpired, TooManyAttempts, ValidationFailed)
    def post(self, data: dict[str, Any]) -> Any:
        """Confirm the registration code

        Activates the account and logs it in (the same token pair as `POST /auth/login`).
        A wrong code is `code_invalid`; the 5th wrong code burns it (429
        `too_many_attempts`: ask for a new one); a code older than 10 minutes is
        `code_expired`. An unknown e-mail also gets `code_invalid`.
        """
        return service.verify_registration(
            db.session,
            email=data["email"],
            code=data["code"],
            user_agent=request.headers.get("User-Agent"),
        )


@blp.route("/verify/resend")
class VerifyResend(MethodView):
    @_limited("RATELIMIT_RESEND")
    @blp.doc(operationId="resendVerificationCode")
    @blp.arguments(ResendSchema)
    @blp.response(202)
    @documents(blp, ResendTooSoon, TooManyAttempts, ValidationFailed)
    def post(self, data: dict[str, Any]) -> Any:
        """Send the registration code again

        By SMS, or by e-mail when the SMS does not arrive (it can take a few minutes). The
        answer is 202 whether or not the e-mail belongs to a registration waiting for its code.
        A new code may be asked for 60 seconds after the previous one (429 `resend_too_soon`
        with `Retry-After`); the previous code stays valid alongside the new one, in case the
        late message arrives after all. Rate limited per address and per e-mail (429
        `too_many_attempts` with `Retry-After`).
        """
        service.resend_registration_code(db.session, email=data["email"], channel=data["channel"])
        return current_app.response_class(status=202)
