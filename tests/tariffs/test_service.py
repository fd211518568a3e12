"""The tariff lookups and `compute_bill` through a session, on the seeded data and its revision."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from ekesco_api.tariffs.errors import TariffNotFound
from ekesco_api.tariffs.models import CATEGORIES, Tariff
from ekesco_api.tariffs.service import compute_bill, tariff_on, tariffs_on
from tests.tariffs.seed import load_seed_revision, run_revision

D = Decimal


# --- The seeded data ----------------------------------------------------------------------------


def test_seeded_prices_change_on_the_decision_dates(db_session: Session) -> None:
    before = tariff_on(db_session, category="household", on=dt.date(2025, 4, 30))
    after = tariff_on(db_session, category="household", on=dt.date(2025, 5, 1))
    assert (before.price_high, before.price_low) == (D("0.07790"), D("0.03340"))
    assert (before.price_high_above, before.price_low_above) == (D("0.13290"), D("0.06260"))
    assert (after.price_high, after.price_low) == (D("0.09050"), D("0.03880"))
    assert (after.price_high_above, after.price_low_above) == (D("0.15430"), D("0.07280"))
    assert after.block_kwh == D("800")
    first = tariff_on(db_session, category="household", on=dt.date(2022, 2, 9))
    assert (first.fixed_fee, first.vat_percent, first.decision_number) == (
        D("1.74"),
        D("8"),
        "V_1489_2022",
    )
    assert tariffs_on(db_session, on=dt.date(2022, 2, 8)) == []


def test_seeded_tariffs_cover_every_day_since_the_blocks_without_overlap(
    db_session: Session,
) -> None:
    for category in CATEGORIES:
        rows = db_session.scalars(
            select(Tariff).where(Tariff.category == category).order_by(Tariff.valid_from)
        ).all()
        assert rows[0].valid_from == dt.date(2022, 2, 9)
        for earlier, later in itertools.pairwise(rows):
            assert earlier.valid_to is not None
            assert later.valid_from == earlier.valid_to + dt.timedelta(days=1)
        assert rows[-1].valid_to is None
        assert all(row.decision_number and row.decision_title for row in rows)
        assert all(row.vat_percent == D("8") for row in rows)
        households = [row for row in rows if row.category == "household"]
        # The upper block costs nearly twice as much (domain page).
        for row in households:
            assert row.price_high_above is not None
            assert D("1.6") < row.price_high_above / row.price_high < D("2")


def test_compute_bill_looks_the_tariff_up_through_a_session(db_session: Session) -> None:
    bill = compute_bill(
        db_session,
        category="household",
        period_start=dt.date(2026, 1, 1),
        kwh_high=D("720"),
        kwh_low=D("480"),
    )
    assert bill.total == D("115.41")
    with pytest.raises(TariffNotFound):
        compute_bill(
            db_session,
            category="commercial",
            period_start=dt.date(2021, 12, 1),
            kwh_high=D(1),
            kwh_low=D(1),
        )


def test_the_seed_revision_matches_the_table_and_undoes_itself() -> None:
    # On a scratch database holding only the model's table: the revision's lightweight table
    # must name the model's columns, and its downgrade must remove exactly its rows.
    engine = create_engine("sqlite://")
    Tariff.__table__.create(engine)
    with engine.begin() as connection:
        run_revision(connection, "upgrade")
        rows = connection.execute(select(Tariff.__table__)).mappings().all()
        assert len(rows) == len(load_seed_revision().ROWS) == 8
        assert {row["category"] for row in rows} == set(CATEGORIES)
        run_revision(connection, "downgrade")
        assert connection.execute(select(Tariff.__table__)).all() == []
    engine.dispose()
