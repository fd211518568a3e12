"""One decorator per protected operation: it checks the token, and documents what it checks.

`@customer_required(blp)`, `@staff_required(blp, "support")` and `@token_required(blp)` each
guard a view, put the bearer requirement into the spec and list the token errors the guard
can answer, so every operation behind the same guard documents the same ones.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar, cast

from flask import g
from flask_jwt_extended import get_jwt, get_jwt_header
from flask_jwt_extended.exceptions import RevokedTokenError
from flask_jwt_extended.internal_utils import verify_token_not_blocklisted
from sqlalchemy.exc import DBAPIError

from ekesco_api.api_docs import documents
from ekesco_api.db import may_write
from ekesco_api.errors import ApiError, Forbidden, Unauthorized
from ekesco_api.extensions import db
from ekesco_api.security.errors import (
    PasswordChangeRequired,
    TokenExpired,
    TokenInvalid,
    TokenRevoked,
    WrongTokenKind,
)
from ekesco_api.verified_tokens import verify_token_in_request

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
            try:
                answer = documented(*args, **kwargs)
            except Exception as failure:
                if isinstance(failure, DBAPIError) and g.get("ekesco_session_left_to_view"):
                    # A statement the database refused (a number no column holds, say) leaves
                    # PostgreSQL's transaction aborted, and the look-up would be refused in it;
                    # nothing a failed view did is kept, so the look-up runs in a new one.
                    db.session.rollback()
                _check_session_left_to_the_view()  # its 401 comes first, as it would have
                raise
            _check_session_left_to_the_view()
            return answer

        return cast(F, wrapper)

    return decorator


def _claims_check(
    kind: str,
    roles: tuple[str, ...],
    allow_password_change: bool,
    statement_checks_session: bool = False,
    confirms_before_writing: bool = False,
) -> Callable[[], None]:
    def check() -> None:
        # Only a read may run before the session is known to be live: it changes nothing, and
        # what it found is thrown away if the session has ended. A view that writes reads first
        # and confirms the session with that read (`confirms_before_writing`).
        left_to_view = statement_checks_session and (confirms_before_writing or not may_write())
        verify_token_in_request(skip_revocation_check=left_to_view)
        claims = get_jwt()
        try:
            if claims.get("kind") != kind:
                raise WrongTokenKind()
            if roles and claims.get("role") not in roles and claims.get("role") != "admin":
                raise Forbidden()
            if claims.get("scope", SCOPE_FULL) != SCOPE_FULL and not allow_password_change:
                raise PasswordChangeRequired()
        except ApiError:
            if left_to_view:
                _check_session()  # an ended session's 401 comes before these, as it always has
            raise
        if left_to_view:
            # Until the view's statement (`confirm_session`) or the wrapper after it looks.
            g.ekesco_session_left_to_view = True

    return check


def session_to_confirm() -> str | None:
    """The session family the view's statement is to find live (`confirm_session`), when the
    guard left that to it; None when the guard has looked already."""
    if not g.get("ekesco_session_left_to_view"):
        return None
    family = get_jwt().get("fam")
    # Not a token we issued (every one of ours names its family): the guard's own check
    # refuses it after the view.
    return family if isinstance(family, str) else None


def confirm_session(live: bool) -> None:
    """What the view's statement found of the session `session_to_confirm` named: an ended
    one is refused now, with the 401 the guard would have answered."""
    g.pop("ekesco_session_left_to_view", None)
    if not live:
        _refuse(RevokedTokenError(get_jwt_header(), get_jwt()))


def _check_session_left_to_the_view() -> None:
    if g.pop("ekesco_session_left_to_view", None):
        _check_session()


def _check_session() -> None:
    # flask-jwt-extended's own check, as verify_jwt_in_request makes it: the same callback
    # (auth's revocation look-up) and the same error, answered by the same handler.
    try:
        verify_token_not_blocklisted(get_jwt_header(), get_jwt())
    except RevokedTokenError as refused:
        _refuse(refused)


# What verify_jwt_in_request keeps in `g` for a token that passed all its checks.
_VERIFIED_TOKEN = (
    "_jwt_extended_jwt",
    "_jwt_extended_jwt_header",
    "_jwt_extended_jwt_user",
    "_jwt_extended_jwt_location",
)


def _refuse(error: RevokedTokenError) -> NoReturn:
    # A revoked token leaves nothing behind, as when the guard refused it before the view: the
    # request's log line names no account for it.
    for name in _VERIFIED_TOKEN:
        g.pop(name, None)
    raise error


def customer_required(
    blp: Any,
    *,
    allow_password_change: bool = False,
    statement_checks_session: bool = False,
    confirms_before_writing: bool = False,
) -> Callable[[F], F]:
    """Only a customer's access token passes (a staff token gets 403).

    A token scoped to the password change (after a reset by support) passes only where
    `allow_password_change` says so; elsewhere it gets 403 `password_change_required`.

    `statement_checks_session`: a GET whose own statement also finds the token's session live
    (`session_to_confirm`, `confirm_session`) spares the guard's look-up, a round trip. A GET
    that does not confirm it (no rows to carry the answer) gets the look-up after the view has
    run, before anything is answered; anything else gets it first, as always.

    `confirms_before_writing`: a view that writes leaves the look-up to its statement as well,
    because its first statement only reads and confirms the session before anything is written
    (POST /payments: the account's meters); the look-up after the view would come too late for
    a write. A refusal before that statement (a missing key, a malformed body), or one without
    a row to confirm it, gets the look-up before its answer, as a GET's does.
    """
    errors = CUSTOMER_TOKEN_ERRORS
    if allow_password_change:
        errors = tuple(error for error in errors if error is not PasswordChangeRequired)
    check = _claims_check(
        "customer", (), allow_password_change, statement_checks_session, confirms_before_writing
    )
    return _guarded(blp, errors, check)


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
        verify_token_in_request(refresh=refresh, skip_revocation_check=refresh)

    return _guarded(blp, TOKEN_ERRORS, check)


def current_account_id() -> int:
    """The id of the customer account behind this request's token."""
    return int(get_jwt()["sub"])


def current_staff_id() -> int:
    return int(get_jwt()["sub"])
