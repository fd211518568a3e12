"""Errors of the customer's own account (/me), with the contract's codes."""

from __future__ import annotations

from ekesco_api.auth.errors import InvalidCredentials
from ekesco_api.errors import (
    ApiError,
    TooManyAttempts,
    Unauthorized,
    ValidationFailed,
    WeakPassword,
)
from ekesco_api.i18n import _l
from ekesco_api.registration.errors import (
    CodeExpired,
    CodeInvalid,
    EmailTaken,
    PhoneNotKosovoMobile,
    PhoneTaken,
    ResendTooSoon,
)

__all__ = [
    "CodeExpired",
    "CodeInvalid",
    "EmailTaken",
    "IdCardExpired",
    "InvalidCredentials",
    "PhoneNotKosovoMobile",
    "PhoneTaken",
    "ResendTooSoon",
    "TooManyAttempts",
    "Unauthorized",
    "ValidationFailed",
    "WeakPassword",
]


class IdCardExpired(ApiError):
    # Raised as a field error by ProfileUpdateSchema; named here for the schema and the spec.
    # Registration's own message speaks of registration, so /me says it in its own words.
    status = 422
    code = "id_card_expired"
    title = _l("This identity card has expired. Enter the expiry date of a valid card.")
