"""What GET /tariffs answers, built from the seeded data: the day, its periods, its tariffs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from ekesco_api.tariffs.errors import TariffNotFound
from ekesco_api.tariffs.views import tariff_day

D = Decimal


def test_tariff_day_defaults_to_today_in_kosovo(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 23:30 UTC on 30 April is already 1 May in Prishtina.
    now = dt.datetime(2025, 4, 30, 23, 30, tzinfo=dt.UTC)
    day = tariff_day(db_session, now=now)
    assert day.on == dt.date(2025, 5, 1)
    assert [t.category for t in day.tariffs] == ["household", "commercial"]
    assert day.tariffs[0].blocks[0].price_high == D("0.09050")
    assert (day.periods.high.from_, day.periods.high.to) == ("08:00", "23:00")
    with pytest.raises(TariffNotFound):
        tariff_day(db_session, on=dt.date(2020, 1, 1))
