"""Errors of login, token refresh and password reset, with the contract's codes."""

from __future__ import annotations

from ekesco_api.errors import ApiError, TooManyAttempts
from ekesco_api.i18n import _l

__all__ = [
    "AccountNotVerified",
    "InvalidCredentials",
    "ResetTokenInvalid",
    "TooManyAttempts",
]


class InvalidCredentials(ApiError):
    # One answer for an unknown username and a wrong password: nobody learns who has an account.
    status = 401
    code = "invalid_credentials"
    title = _l("The username or password is not correct.")


class AccountNotVerified(ApiError):
    status = 403
    code = "account_not_verified"
    title = _l("Confirm your phone number with the code we sent you before you log in.")


class ResetTokenInvalid(ApiError):
    status = 400
    code = "token_invalid"
    title = _l("This password reset link is not valid or has expired. Please ask for a new one.")
