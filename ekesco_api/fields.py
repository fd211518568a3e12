"""marshmallow fields shared by every domain: decimals (money, kWh) as strings, UTC with a Z."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import marshmallow as ma

from ekesco_api.errors import field_error
from ekesco_api.i18n import _l


class DecimalString(ma.fields.Decimal):
    """A decimal as a JSON string with a fixed number of places ("12.30"), never a float.

    Written with exactly `places` decimals. Read strictly, as the spec's `pattern` says: plain
    ASCII digits, an optional minus, at most `places` decimals. Exponents ("1e3"), NaN, infinities,
    spaces, a minus zero and JSON numbers are refused with 422 `decimal_invalid`: a number may
    have passed through a float on the way, and "1e3" read as 1000.00 is not what anyone typed.
    """

    def __init__(
        self, places: int, *, signed: bool = True, example: str | None = None, **kwargs: Any
    ) -> None:
        self.decimals = places
        sign = "-?" if signed else ""
        self.text_pattern = rf"^{sign}[0-9]+(\.[0-9]{{1,{places}}})?$"
        self._shape = re.compile(self.text_pattern)
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("example", example or f"12.{'3' + '0' * (places - 1)}")
        metadata.update({"type": "string", "pattern": self.text_pattern})
        super().__init__(places=places, rounding=ROUND_HALF_UP, as_string=True, **kwargs)
        self.quantum = Decimal(1).scaleb(-places)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        # `:f` never writes an exponent (Decimal("0E-7") would print as "0E-7").
        return f"{Decimal(value).quantize(self.quantum, rounding=ROUND_HALF_UP):f}"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if not isinstance(value, str) or not self._shape.fullmatch(value):
            raise ma.ValidationError(self._invalid())
        amount = Decimal(value)
        if amount.is_zero() and value.startswith("-"):
            raise ma.ValidationError(self._invalid())
        return amount

    def _invalid(self) -> dict[str, Any]:
        return field_error(
            "decimal_invalid",
            _l(
                "Write the number as a string of digits with at most %(places)s decimals, "
                'such as "%(example)s".',
                places=self.decimals,
                example=self.metadata["example"],
            ),
        )


class Money(DecimalString):
    """EUR amounts: a decimal string with two places ("12.30"); negative is a credit."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(2, **kwargs)


class Kwh(DecimalString):
    """Energy in kWh as a decimal string; register totals keep three places ("1234.567")."""

    def __init__(self, places: int = 3, **kwargs: Any) -> None:
        super().__init__(places, example=f"1234.{'567'[:places]}", **kwargs)


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
