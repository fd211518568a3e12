"""A test double of the SMS sender that fails on demand."""

from __future__ import annotations

from typing import Any

from ekesco_api.adapters.base import DeliveryError


class FlakySms:
    """An SMS sender that raises `error` while set, and writes to the real file otherwise."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.error: BaseException | None = DeliveryError("SMS gateway answered HTTP 503")
        self.calls = 0

    def send(self, *, to: str, body: str, key: str | None = None) -> None:
        self.calls += 1
        if self.error is not None:
            raise self.error
        self.real.send(to=to, body=body, key=key)
