"""Errors of staff login and customer care, with the contract's codes."""

from __future__ import annotations

from ekesco_api.errors import ApiError, NotFound
from ekesco_api.i18n import _l

__all__ = [
    "AccountNotFound",
    "InvalidStaffCredentials",
    "LookupKeyRequired",
    "NothingToChange",
    "RegistrationInUse",
    "RegistrationNotFound",
]


class InvalidStaffCredentials(ApiError):
    # One answer for an unknown e-mail, a wrong password and a switched-off member.
    status = 401
    code = "invalid_credentials"
    title = _l("The username or password is not correct.")


class AccountNotFound(NotFound):
    title = _l("There is no customer account with this id.")


class RegistrationNotFound(NotFound):
    title = _l("Nobody is registered on this customer code.")


class RegistrationInUse(ApiError):
    # Only when a table keeps rows of the account without saying what a removal does to them.
    status = 409
    code = "registration_in_use"
    title = _l("Records still point to this registration; it cannot be removed.")


class LookupKeyRequired(ApiError):
    status = 422
    code = "validation_error"
    title = _l("Search by exactly one of e-mail, customer code, personal number or phone.")


class NothingToChange(ApiError):
    status = 422
    code = "validation_error"
    title = _l("Give a new e-mail, a new phone, or both.")
