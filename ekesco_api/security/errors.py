"""What a request's token can be refused for, with the contract's codes."""

from __future__ import annotations

from ekesco_api.errors import ApiError, Forbidden
from ekesco_api.i18n import _l


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
