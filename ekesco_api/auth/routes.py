"""/auth endpoints: login, token refresh, logout and the forgotten-password flow."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_jwt_extended import get_jwt
from flask_smorest import Blueprint

from ekesco_api.api_docs import documents
from ekesco_api.auth import service as auth_service
from ekesco_api.auth.errors import (
    AccountNotVerified,
    InvalidCredentials,
    ResetTokenInvalid,
    TooManyAttempts,
)
from ekesco_api.auth.schemas import (
    LoginSchema,
    PasswordForgotSchema,
    PasswordResetSchema,
    TokenPairSchema,
)
from ekesco_api.errors import ValidationFailed, WeakPassword
from ekesco_api.extensions import client_ip, db, limiter
from ekesco_api.keys import email_key, private_key
from ekesco_api.metrics import LOGINS
from ekesco_api.security.errors import PasswordChangeRequired
from ekesco_api.security.guards import token_required

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Registration and login.")


def _config_limit(name: str) -> Any:
    return lambda: current_app.config[name]


def _body_field(name: str) -> str:
    body = request.get_json(silent=True)
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


def _username_limit_key() -> str:
    # The same account whichever way its name is typed: e-mail in any case, phone in any form.
    username = _body_field("username")
    if not username:
        return "-"
    kind, key = auth_service.username_key(username)
    return private_key(kind, key)  # the e-mail or phone itself stays out of Redis and the log


def _email_limit_key() -> str:
    email = _body_field("email")
    return private_key("email", email_key(email)) if email else "-"


def _login_failed(response: Any) -> bool:
    return bool(response.status_code == InvalidCredentials.status)


# What became of a login, as /metrics counts it.
LOGIN_OUTCOMES = {200: "succeeded", 401: "refused", 403: "held", 429: "locked_out"}


@blp.after_request
def _count_login(response: Response) -> Response:
    if request.endpoint == "auth.Login":
        LOGINS.labels(LOGIN_OUTCOMES.get(response.status_code, "invalid")).inc()
    return response


@blp.route("/login")
class Login(MethodView):
    @limiter.limit(_config_limit("LOGIN_RATE_LIMIT_PER_IP"), key_func=client_ip)
    @limiter.limit(
        _config_limit("LOGIN_RATE_LIMIT_PER_USERNAME"),
        key_func=_username_limit_key,
        deduct_when=_login_failed,
    )
    @blp.doc(operationId="login")
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenPairSchema)
    @documents(
        blp,
        InvalidCredentials,
        AccountNotVerified,
        PasswordChangeRequired,
        ValidationFailed,
        TooManyAttempts,
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Log in with e-mail or phone and password

        The username is the e-mail (any case) or the phone number in any usual form. An unknown
        user and a wrong password get the same 401. `account_not_verified` comes only after a
        correct password. After a password reset by support the answer is 403
        `password_change_required`, and that problem document also carries `access_token`,
        `refresh_token`, `token_type` and `expires_in`: a pair good only for `PUT /me/password`.

        Too many failed attempts for one username, or too many attempts from one address, give
        429 with `Retry-After`.
        """
        return auth_service.login(
            db.session(),
            username=data["username"],
            password=data["password"],
            user_agent=request.headers.get("User-Agent"),
        )


@blp.route("/refresh")
class Refresh(MethodView):
    @token_required(blp, refresh=True)
    @blp.doc(operationId="refreshTokens")
    @blp.response(200, TokenPairSchema)
    def post(self) -> Any:
        """Exchange a refresh token for a new pair

        Send the refresh token as `Authorization: Bearer <refresh_token>`. Each refresh token
        works once: the answer carries its successor. A refresh token presented a second time
        ends the whole session (every token of that login) with 401 `token_revoked`, because it
        means someone else holds a copy. Refresh one request at a time.
        """
        return auth_service.refresh_session(db.session(), claims=get_jwt())


@blp.route("/logout")
class Logout(MethodView):
    @token_required(blp)
    @blp.doc(operationId="logout")
    @blp.response(204)
    def post(self) -> None:
        """Log out

        Ends the session of this access token: its refresh token stops working and so does the
        access token itself, at once.
        """
        auth_service.logout(db.session(), claims=get_jwt())


@blp.route("/password/forgot")
class PasswordForgot(MethodView):
    @limiter.limit(_config_limit("PASSWORD_FORGOT_RATE_LIMIT_PER_IP"), key_func=client_ip)
    @limiter.limit(_config_limit("PASSWORD_FORGOT_RATE_LIMIT_PER_EMAIL"), key_func=_email_limit_key)
    @blp.doc(operationId="forgotPassword")
    @blp.arguments(PasswordForgotSchema)
    @blp.response(202)
    @documents(blp, ValidationFailed, TooManyAttempts)
    def post(self, data: dict[str, Any]) -> Response:
        """Ask for a password reset link

        Always 202, whether or not the address belongs to an account. If it does, an e-mail in
        the account's language carries a link with `token=…`, good once and for 30 minutes;
        asking again makes earlier links useless.
        """
        auth_service.request_password_reset(db.session(), email=data["email"])
        return current_app.response_class(status=202)  # accepted, nothing to say


@blp.route("/password/reset")
class PasswordReset(MethodView):
    @limiter.limit(_config_limit("PASSWORD_RESET_RATE_LIMIT_PER_IP"), key_func=client_ip)
    @blp.doc(operationId="resetPassword")
    @blp.arguments(PasswordResetSchema)
    @blp.response(204)
    @documents(blp, ResetTokenInvalid, WeakPassword, ValidationFailed, TooManyAttempts)
    def post(self, data: dict[str, Any]) -> None:
        """Choose a new password with the token from the reset link

        The token works once. Every session of the account ends (log in again everywhere).
        """
        auth_service.reset_password(
            db.session(), token=data["token"], new_password=data["new_password"]
        )
