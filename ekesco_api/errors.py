"""What can go wrong for a client: `ApiError`, the errors shared across the API, field codes.

Every error a client can act on is an `ApiError` subclass with a status, a stable `code` and a
translated title. Domains declare theirs in their own `errors.py` (the token errors are the
security layer's, in `ekesco_api.security`). How they are answered is elsewhere:
`problems` renders them, `error_handlers` maps exceptions to them, `api_docs` documents them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import LazyString

from ekesco_api.i18n import _l


class ApiError(Exception):
    """An error a client can act on: an HTTP status, a stable code, a translated title."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str | LazyString] = _l("The request could not be processed.")

    def __init__(
        self,
        detail: str | LazyString | None = None,
        *,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(str(detail or self.title))
        self.detail = detail
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class NotFound(ApiError):
    status = 404
    code = "not_found"
    title = _l("Not found.")


class ValidationFailed(ApiError):
    status = 422
    code = "validation_error"
    title = _l("Some fields are not valid.")


class TooManyAttempts(ApiError):
    status = 429
    code = "too_many_attempts"
    title = _l("Too many attempts. Please wait and try again.")


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"
    title = _l("You need to log in.")


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
    title = _l("You are not allowed to do this.")


def field_error(code: str, message: str | LazyString) -> dict[str, str]:
    """A marshmallow field message that also carries a stable code for clients to switch on."""
    return {"code": code, "message": message}


class ValueOutOfRange(ApiError):
    status = 422
    code = "value_out_of_range"
    title = _l("A number in the request is too large or too small.")


class TextInvalid(ApiError):
    status = 422
    code = "text_invalid"
    title = _l("The request contains characters that are not allowed.")


class WeakPassword(ApiError):
    """A new password that fails the policy of `ekesco_api.passwords`; `reason` says which rule."""

    status = 422
    code = "weak_password"
    title = _l("The password is too weak.")

    def __init__(self, reason: str | LazyString, field: str = "password") -> None:
        super().__init__(
            reason,
            errors={field: [str(reason)]},
            extra={"field_codes": {field: [self.code]}},
        )
