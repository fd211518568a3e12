"""marshmallow fields shared by every domain: money as strings, UTC times with a Z."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import marshmallow as ma


class Money(ma.fields.Decimal):
    """EUR amounts: a decimal string with two places ("12.30"), never a float."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("example", "12.30")
        super().__init__(places=2, rounding=ROUND_HALF_UP, as_string=True, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return f"{Decimal(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


class UtcDateTime(ma.fields.AwareDateTime):
    """An ISO 8601 instant in UTC, written with a trailing Z (`2026-11-22T10:00:00Z`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("example", "2026-11-22T10:00:00Z")
        super().__init__(format="iso", default_timezone=dt.UTC, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        value = value.astimezone(dt.UTC).replace(microsecond=0)
        # isoformat, not strftime: strftime writes year 1 as "1", which is not ISO 8601.
        return value.replace(tzinfo=None).isoformat() + "Z"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return super()._deserialize(value, attr, data, **kwargs).astimezone(dt.UTC)
