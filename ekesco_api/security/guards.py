"""One decorator per protected operation: it checks the token, and documents what it checks.

`@customer_required(blp)`, `@staff_required(blp, "support")` and `@token_required(blp)` each
guard a view, put the bearer requirement into the spec and list the token errors the guard
can answer, so every operation behind the same guard documents the same ones.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask_jwt_extended import get_jwt, verify_jwt_in_request

from ekesco_api.api_docs import documents
from ekesco_api.errors import ApiError, Forbidden, Unauthorized
from ekesco_api.security.errors import (
    PasswordChangeRequired,
    TokenExpired,
    TokenInvalid,
    TokenRevoked,
    WrongTokenKind,
)

F = TypeVar("F", bound=Callable[..., Any])

SCOPE_FULL = "full"
SCOPE_PASSWORD_CHANGE = "password_change"
# The spec's security requirement of every operation that needs a token.
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]

# What any token can be refused for: missing, expired, its session ended, not ours.
TOKEN_ERRORS: tuple[type[ApiError], ...] = (Unauthorized, TokenExpired, TokenRevoked, TokenInvalid)
# A customer route also refuses a staff token, and a token scoped to the password change.
CUSTOMER_TOKEN_ERRORS = (*TOKEN_ERRORS, WrongTokenKind, PasswordChangeRequired)
# A staff route refuses a customer's token and a member without the role (staff tokens always
# carry the full scope).
STAFF_TOKEN_ERRORS = (*TOKEN_ERRORS, WrongTokenKind, Forbidden)


def _guarded(
    blp: Any, errors: tuple[type[ApiError], ...], check: Callable[[], None]
) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        documented = documents(blp, *errors)(blp.doc(security=BEARER)(view))

        @wraps(documented)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check()
            return documented(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def _claims_check(
    kind: str, roles: tuple[str, ...], allow_password_change: bool
) -> Callable[[], None]:
    def check() -> None:
        verify_jwt_in_request()
        claims = get_jwt()
        if claims.get("kind") != kind:
            raise WrongTokenKind()
        if roles and claims.get("role") not in roles and claims.get("role") != "admin":
            raise Forbidden()
        if claims.get("scope", SCOPE_FULL) != SCOPE_FULL and not allow_password_change:
            raise PasswordChangeRequired()

    return check


def customer_required(blp: Any, *, allow_password_change: bool = False) -> Callable[[F], F]:
    """Only a customer's access token passes (a staff token gets 403).

    A token scoped to the password change (after a reset by support) passes only where
    `allow_password_change` says so; elsewhere it gets 403 `password_change_required`.
    """
    errors = CUSTOMER_TOKEN_ERRORS
    if allow_password_change:
        errors = tuple(error for error in errors if error is not PasswordChangeRequired)
    return _guarded(blp, errors, _claims_check("customer", (), allow_password_change))


STAFF_ROLES = ("support", "dispatcher", "admin")


def staff_required(blp: Any, *roles: str) -> Callable[[F], F]:
    """Only a staff token with one of `roles` passes (any role when none is named); admin
    passes everywhere.

    Why admin does support's and dispatchers' work: admins are the supervisors who cover for an
    absent agent or dispatcher, and every staff action is audited with who did it and in which
    role, so nothing an admin does on another's behalf goes unseen. The operation's roles are
    written into the spec (`x-staff-roles`, admin included) and kept on the view
    (`staff_roles`), from which tests/security/test_role_matrix.py tries every role on every
    staff operation.
    """
    unknown = set(roles) - set(STAFF_ROLES)
    if unknown:
        raise ValueError(f"unknown staff roles: {sorted(unknown)}")
    allowed = [role for role in STAFF_ROLES if not roles or role in roles or role == "admin"]
    guard = _guarded(blp, STAFF_TOKEN_ERRORS, _claims_check("staff", roles, False))

    def decorator(view: F) -> F:
        guarded = guard(blp.doc(**{"x-staff-roles": allowed})(view))
        guarded.staff_roles = tuple(allowed)
        return guarded

    return decorator


def token_required(blp: Any, *, refresh: bool = False) -> Callable[[F], F]:
    """Any live token of either kind passes: an access token, or a refresh token if `refresh`.

    For what a session does with itself (refresh, log out), whoever it belongs to. A refresh
    token's session is not looked up here: the one operation that takes refresh tokens uses
    the token up in a statement that also refuses it when its session has ended
    (`auth.service.refresh_session`), and a look-up first would cost a round trip more.
    """

    def check() -> None:
        verify_jwt_in_request(refresh=refresh, skip_revocation_check=refresh)

    return _guarded(blp, TOKEN_ERRORS, check)


def current_account_id() -> int:
    """The id of the customer account behind this request's token."""
    return int(get_jwt()["sub"])


def current_staff_id() -> int:
    return int(get_jwt()["sub"])
