"""The shared marshmallow fields write what the contract promises."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import marshmallow as ma
import pytest

from ekesco_api.fields import Kwh, Money, UtcDateTime


def test_instants_are_iso_8601_in_utc_with_a_z() -> None:
    field = UtcDateTime()
    local = dt.datetime(2026, 11, 22, 11, 0, 30, 999, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert field.serialize("at", {"at": local}) == "2026-11-22T10:00:30Z"


def test_early_years_keep_four_digits() -> None:
    field = UtcDateTime()
    assert field.serialize("at", {"at": dt.datetime(1, 1, 1, tzinfo=dt.UTC)}) == (
        "0001-01-01T00:00:00Z"
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("12.3"), "12.30"),
        (Decimal("0E-7"), "0.00"),
        (Decimal("-4.005"), "-4.01"),
        (7, "7.00"),
    ],
)
def test_money_is_written_as_a_plain_string_with_two_places(value: object, written: str) -> None:
    assert Money().serialize("m", {"m": value}) == written


@pytest.mark.parametrize("value", ["12", "12.3", "12.30", "-5.00", "0.00"])
def test_plain_decimal_strings_are_read(value: str) -> None:
    assert Money().deserialize(value) == Decimal(value)


@pytest.mark.parametrize(
    "value",
    [
        "1e3",
        "1E3",
        "NaN",
        "Infinity",
        " 12.00",
        "12.00\n",
        "12.001",
        "-0",
        "-0.00",
        "12.",
        ".5",
        "+5",
        "١٢",
        "",
        12,
        12.5,
        True,
        None,
    ],
)
def test_anything_but_a_plain_decimal_string_is_refused(value: object) -> None:
    with pytest.raises(ma.ValidationError) as refused:
        Money(allow_none=False).deserialize(value)
    if value is not None:
        assert refused.value.messages["code"] == "decimal_invalid"  # type: ignore[call-overload]


def test_the_spec_says_string_with_the_pattern_the_server_holds_to() -> None:
    field = Kwh()
    assert field.metadata["type"] == "string"
    assert field.metadata["pattern"] == r"^-?[0-9]+(\.[0-9]{1,3})?$"
    assert re.fullmatch(field.metadata["pattern"].strip("^$"), field.serialize("k", {"k": 5}))
