"""Who is calling: JWT callbacks, the current account, and guards for customers and staff.

Tokens carry `kind` ("customer" or "staff"), `fam` (the session family, revoked on logout or a
password reset) and `scope` ("full", or "password_change" after a support reset). A token of one
kind is useless on the other kind's routes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask
from flask_jwt_extended import get_jwt, verify_jwt_in_request

from ekesco_api.errors import ApiError, Forbidden, Unauthorized
from ekesco_api.extensions import jwt
from ekesco_api.i18n import _l
from ekesco_api.problems import problem

F = TypeVar("F", bound=Callable[..., Any])

SCOPE_FULL = "full"
# The spec's security requirement of every operation that needs a token.
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
SCOPE_PASSWORD_CHANGE = "password_change"


class TokenExpired(ApiError):
    status = 401
    code = "token_expired"
    title = _l("Your session has expired. Please log in again.")


class TokenRevoked(ApiError):
    status = 401
    code = "token_revoked"
    title = _l("This session has ended. Please log in again.")


class TokenInvalid(ApiError):
    status = 401
    code = "token_invalid"
    title = _l("The access token is not valid.")


class WrongTokenKind(Forbidden):
    """A customer's token on a staff route, or the reverse."""


class PasswordChangeRequired(ApiError):
    status = 403
    code = "password_change_required"
    title = _l("Please choose a new password before you continue.")


def _render(error: ApiError) -> Any:
    return problem(error.status, error.code, str(error.title))


def init_app(app: Flask) -> None:
    """Answer every token problem as problem+json.

    Whether a token's session was revoked is the auth domain's to say: `auth.init_app`
    registers that check (this module sits below every domain and imports none).
    """

    @jwt.expired_token_loader
    def _expired(_header: dict[str, Any], _payload: dict[str, Any]) -> Any:
        return _render(TokenExpired())

    @jwt.invalid_token_loader
    def _invalid(_reason: str) -> Any:
        return _render(TokenInvalid())

    @jwt.unauthorized_loader
    def _missing(_reason: str) -> Any:
        return _render(Unauthorized())

    @jwt.revoked_token_loader
    def _revoked(_header: dict[str, Any], _payload: dict[str, Any]) -> Any:
        return _render(TokenRevoked())

    @jwt.needs_fresh_token_loader
    def _not_fresh(_header: dict[str, Any], _payload: dict[str, Any]) -> Any:
        return _render(Unauthorized())

    @jwt.user_lookup_error_loader
    def _no_user(_header: dict[str, Any], _payload: dict[str, Any]) -> Any:
        return _render(TokenRevoked())


def _guard(kind: str, roles: tuple[str, ...], allow_password_change: bool) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            verify_jwt_in_request()
            claims = get_jwt()
            if claims.get("kind") != kind:
                raise WrongTokenKind()
            if roles and claims.get("role") not in roles and claims.get("role") != "admin":
                raise Forbidden()
            if claims.get("scope", SCOPE_FULL) != SCOPE_FULL and not allow_password_change:
                raise PasswordChangeRequired()
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def customer_required(*, allow_password_change: bool = False) -> Callable[[F], F]:
    """Only a customer's access token passes (a staff token gets 403)."""
    return _guard("customer", (), allow_password_change)


def staff_required(*roles: str) -> Callable[[F], F]:
    """Only a staff token with one of `roles` passes; admin passes everywhere."""
    return _guard("staff", roles, False)


def current_account_id() -> int:
    """The id of the customer account behind this request's token."""
    return int(get_jwt()["sub"])


def current_staff_id() -> int:
    return int(get_jwt()["sub"])
