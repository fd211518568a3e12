"""/me endpoints: the customer's profile, confirmed e-mail and phone changes, the password."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, stream_with_context
from flask.views import MethodView
from flask_jwt_extended import get_jwt
from flask_smorest import Blueprint

from ekesco_api.accounts import export
from ekesco_api.api_docs import documents
from ekesco_api.clock import local_date
from ekesco_api.extensions import client_ip, db, limiter
from ekesco_api.i18n import request_language
from ekesco_api.profile import closing
from ekesco_api.profile import service as profile_service
from ekesco_api.profile.errors import (
    CodeExpired,
    CodeInvalid,
    EmailTaken,
    IdCardExpired,
    InvalidCredentials,
    PhoneNotKosovoMobile,
    PhoneTaken,
    ResendTooSoon,
    TooManyAttempts,
    ValidationFailed,
    WeakPassword,
)
from ekesco_api.profile.schemas import (
    AccountDeleteSchema,
    CodeSchema,
    PasswordChangeSchema,
    ProfileSchema,
    ProfileUpdateSchema,
)
from ekesco_api.security.guards import current_account_id, customer_required
from ekesco_api.types import utcnow

blp = Blueprint("me", __name__, url_prefix="/me", description="The customer's own account.")

# Wrong passwords on DELETE /me, as login counts them: per address, and per account (a stolen
# access token must not become a password oracle); each tunable in the app config.
DELETE_LIMIT_PER_IP = "ACCOUNT_DELETE_RATE_LIMIT_PER_IP"
DELETE_LIMIT_PER_ACCOUNT = "ACCOUNT_DELETE_RATE_LIMIT_PER_ACCOUNT"
DELETE_LIMITS = {DELETE_LIMIT_PER_IP: "5/minute", DELETE_LIMIT_PER_ACCOUNT: "5/minute;20/hour"}


def _config_limit(name: str) -> Any:
    return lambda: current_app.config.get(name, DELETE_LIMITS[name])


def _account_key() -> str:
    # Evaluated after the guard (the limit sits below it), so the token is verified already.
    return f"account:{current_account_id()}"


def _account() -> Any:
    return profile_service.get_account(db.session(), account_id=current_account_id())


def _wrong_password(response: Any) -> bool:
    return bool(response.status_code == InvalidCredentials.status)


@blp.route("")
class Me(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="getMe")
    @blp.response(200, ProfileSchema)
    def get(self) -> Any:
        """The customer's profile

        `pending_email` / `pending_phone` appear only while a new address waits for its code.
        """
        return _account()

    # The guard first, then the limits: only a live session's wrong passwords count, per
    # account too.
    @customer_required(blp)
    @limiter.limit(
        _config_limit(DELETE_LIMIT_PER_IP), key_func=client_ip, deduct_when=_wrong_password
    )
    @limiter.limit(
        _config_limit(DELETE_LIMIT_PER_ACCOUNT),
        key_func=_account_key,
        deduct_when=_wrong_password,
    )
    @blp.doc(operationId="deleteMe")
    @blp.arguments(AccountDeleteSchema)
    @blp.response(204)
    @documents(blp, InvalidCredentials, ValidationFailed, TooManyAttempts)
    def delete(self, data: dict[str, Any]) -> None:
        """Delete the account

        Needs the account's password (401 `invalid_credentials` if wrong; repeated failures
        give 429, per address and per account). The account goes with its contact data,
        devices, inbox, subscriptions and meters added; every session ends at once, so an
        access token already issued is refused on its next request. What the law makes the
        supplier keep (payments, disconnection records, the staff audit trail) stays, without
        the contact data. The customer code can be registered again at once. A last e-mail,
        in the account's language, confirms the deletion to the old address.
        """
        closing.delete_own_account(
            db.session(), account_id=current_account_id(), password=data["password"]
        )

    @customer_required(blp)
    @blp.doc(operationId="updateMe")
    @blp.arguments(ProfileUpdateSchema)
    @blp.response(200, ProfileSchema)
    @documents(
        blp,
        EmailTaken,
        PhoneTaken,
        PhoneNotKosovoMobile,
        IdCardExpired,
        ValidationFailed,
        ResendTooSoon,
    )
    def patch(self, data: dict[str, Any]) -> Any:
        """Change e-mail, phone, language or identity card expiry

        `language` and `id_card_expiry` take effect at once. A new `email` or `phone` waits in
        `pending_email` / `pending_phone` while a code goes to the NEW address (e-mail or SMS);
        confirm it with `POST /me/email/verify` or `POST /me/phone/verify`. Giving the current
        address again cancels a pending change. A new code for the same kind of change can be
        asked for 60 seconds after the last one (429 `resend_too_soon` before that).
        """
        return profile_service.update_profile(db.session(), account=_account(), **data)


@blp.route("/email/verify")
class EmailVerify(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="verifyEmailChange")
    @blp.arguments(CodeSchema)
    @blp.response(200, ProfileSchema)
    @documents(blp, CodeInvalid, CodeExpired, EmailTaken, TooManyAttempts, ValidationFailed)
    def post(self, data: dict[str, Any]) -> Any:
        """Confirm a new e-mail with the code sent to it

        The new address becomes the account's; the old one is told. 409 `email_taken` if another
        account took the address meanwhile (the pending change is then dropped). Five wrong
        codes burn the code (429).
        """
        return profile_service.confirm_email_change(
            db.session(), account=_account(), code=data["code"]
        )


@blp.route("/phone/verify")
class PhoneVerify(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="verifyPhoneChange")
    @blp.arguments(CodeSchema)
    @blp.response(200, ProfileSchema)
    @documents(blp, CodeInvalid, CodeExpired, PhoneTaken, TooManyAttempts, ValidationFailed)
    def post(self, data: dict[str, Any]) -> Any:
        """Confirm a new phone with the SMS code

        The new number becomes the account's (and its login name); the old one gets an SMS
        saying so. 409 `phone_taken` if another account took the number meanwhile.
        """
        return profile_service.confirm_phone_change(
            db.session(), account=_account(), code=data["code"]
        )


@blp.route("/password")
class Password(MethodView):
    @limiter.limit(
        lambda: current_app.config["PASSWORD_CHANGE_RATE_LIMIT_PER_IP"],
        key_func=client_ip,
        deduct_when=_wrong_password,
    )
    @customer_required(blp, allow_password_change=True)
    @blp.doc(operationId="changePassword")
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    @documents(blp, InvalidCredentials, WeakPassword, ValidationFailed, TooManyAttempts)
    def put(self, data: dict[str, Any]) -> None:
        """Change the password

        Needs the current password (401 `invalid_credentials` if wrong; repeated failures give
        429). Every other session of the account ends; this one goes on. This is also the one
        operation a `password_change`-scoped token (after a support reset) may call; after it,
        `POST /auth/refresh` gives an ordinary pair.
        """
        profile_service.change_password(
            db.session(),
            account=_account(),
            family_id=get_jwt().get("fam"),
            current_password=data["current_password"],
            new_password=data["new_password"],
        )


EXPORT_DOC = {
    "200": {
        "description": "The account's data as one JSON document, sent as it is read.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["format", "version", "exported_at", "complete"],
                    "properties": {
                        "format": {"type": "string", "example": "ekesco-account-export"},
                        "version": {"type": "integer", "example": 1},
                        "exported_at": {"type": "string", "format": "date-time"},
                        "account": {"type": "object"},
                        "complete": {
                            "type": "boolean",
                            "description": "The last member: a copy without it was cut short.",
                        },
                    },
                    # Every other member is a section: a list of records. (anyOf, not a type
                    # list: openapi-python-client cannot parse ["array", "object"].)
                    "additionalProperties": {
                        "anyOf": [{"type": "array", "items": {}}, {"type": "object"}]
                    },
                }
            }
        },
    }
}


@blp.route("/export")
class MyData(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="exportMyData", responses=EXPORT_DOC)
    def get(self) -> Any:
        """A copy of everything held about the account

        One JSON document, indented to be read by a person, written while it is read (an
        account with years of bills costs the server no more memory than a new one): the
        `account` as registered, then one member per section, each a list of records, newest
        first: `meters`, `bills` (of the account's customer codes with their paid status, oldest
        first within each code, the order that status is judged in), `payments`, `requests`,
        `disconnections` (the cases of its codes, with their history and notices),
        `payment_agreements`, `inbox`, `messages` (SMS, e-mail and push sent; a one-time code or
        link never), `devices` (never their push tokens), `notification_preferences`,
        `subscriptions`, `sessions` (when, from which app, how each ended; never a token),
        `password_reset_links`, `verification_codes` and `support_actions`. The last member,
        `complete: true`, tells a whole copy from one cut short. Money is a decimal string,
        times are UTC; area names come in the request's language.
        """
        account = _account()  # 401 for an account gone meanwhile, before the 200 is sent
        account_id, language = account.id, request_language()
        exported_at = utcnow()

        def document() -> Any:
            # The session is taken here, inside the stream: the request's own one has ended by
            # the time the first piece is written.
            yield from export.write_export(
                db.session(), account_id=account_id, language=language, exported_at=exported_at
            )

        name = f"ekesco-data-{local_date(exported_at).isoformat()}.json"
        return Response(
            stream_with_context(document()),
            mimetype="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "private, no-store",
            },
        )
