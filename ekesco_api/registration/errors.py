"""Errors of registration and verification codes, with the contract's codes."""

from __future__ import annotations

from ekesco_api import errors
from ekesco_api.errors import ApiError, ValidationFailed, WeakPassword
from ekesco_api.i18n import _l

__all__ = [
    "CodeExpired",
    "CodeInvalid",
    "CustomerCodeTaken",
    "CustomerCodeUnknown",
    "EmailTaken",
    "IdCardExpired",
    "PersonalNumberInvalid",
    "PhoneNotKosovoMobile",
    "PhoneTaken",
    "ResendTooSoon",
    "TooManyAttempts",
    "ValidationFailed",
    "VerificationNotFound",
    "WeakPassword",
]


class CustomerCodeUnknown(ApiError):
    status = 404
    code = "customer_code_unknown"
    title = _l("There is no customer with this customer code. Check the code on your bill.")


class CustomerCodeTaken(ApiError):
    # The supplier's own wording (FAQ "Pse nuk mund të regjistrohem").
    status = 409
    code = "customer_code_taken"
    title = _l("Someone else is registered on this account.")


class EmailTaken(ApiError):
    status = 409
    code = "email_taken"
    title = _l("This e-mail address is already used by another account.")


class PhoneTaken(ApiError):
    status = 409
    code = "phone_taken"
    title = _l("This phone number is already used by another account.")


# The 422 codes below are raised as field errors by the schemas (their code and title are the
# field's); the classes name them once, for the schemas and for the spec.
class PhoneNotKosovoMobile(ApiError):
    status = 422
    code = "phone_not_kosovo_mobile"
    title = _l("Enter a Kosovo mobile number (+383 4x …); the code is sent by SMS.")


class PersonalNumberInvalid(ApiError):
    status = 422
    code = "personal_number_invalid"
    title = _l("The personal number has exactly 10 digits.")


class IdCardExpired(ApiError):
    status = 422
    code = "id_card_expired"
    title = _l("Your identity card has expired; registration cannot proceed until it is renewed.")


class CodeInvalid(ApiError):
    status = 400
    code = "code_invalid"
    title = _l("The code is not correct.")


class CodeExpired(ApiError):
    status = 400
    code = "code_expired"
    title = _l("The code has expired. Ask for a new one.")


class TooManyAttempts(errors.TooManyAttempts):
    title = _l("Too many wrong codes. Ask for a new code.")


class ResendTooSoon(ApiError):
    status = 429
    code = "resend_too_soon"
    title = _l("A code was sent a moment ago. Wait a minute before asking for another one.")

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            headers={"Retry-After": str(retry_after)}, extra={"retry_after": retry_after}
        )


class VerificationNotFound(ApiError):
    status = 404
    code = "not_found"
    title = _l("Not found.")
