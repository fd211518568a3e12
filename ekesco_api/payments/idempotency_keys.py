"""The `Idempotency-Key` header every request that starts a payment carries (read, checked,
documented), and the answer that repeats the first: once for the app's payments and for a paper
bill paid without an account."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, jsonify, request

from ekesco_api.payments.errors import IdempotencyKeyInvalid, IdempotencyKeyMissing
from ekesco_api.payments.intents import Created

IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,64}")
IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": True,
    "description": "Chosen by the client, one per payment it means to make (a UUID will do); "
    "a retry sends the same key and body. Kept at least 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
}


def idempotency_key() -> str:
    """The request's key; 400 `idempotency_key_missing` or `idempotency_key_invalid`."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise IdempotencyKeyMissing()
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise IdempotencyKeyInvalid()
    return key


F = TypeVar("F", bound=Callable[..., Any])


def idempotency_key_required(view: F) -> F:
    """Refuse a request without a usable key before its body is even read."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        idempotency_key()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def answer(created: Created) -> Response:
    """The answer to a request that starts a payment: the stored first one for a repeated key,
    which then says so in `Idempotent-Replayed`."""
    response = jsonify(created.body)
    response.status_code = created.status_code
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
