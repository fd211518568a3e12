"""The shared marshmallow fields write what the contract promises."""

from __future__ import annotations

import datetime as dt

from ekesco_api.fields import UtcDateTime


def test_instants_are_iso_8601_in_utc_with_a_z() -> None:
    field = UtcDateTime()
    local = dt.datetime(2026, 11, 22, 11, 0, 30, 999, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert field.serialize("at", {"at": local}) == "2026-11-22T10:00:30Z"


def test_early_years_keep_four_digits() -> None:
    field = UtcDateTime()
    assert field.serialize("at", {"at": dt.datetime(1, 1, 1, tzinfo=dt.UTC)}) == (
        "0001-01-01T00:00:00Z"
    )
