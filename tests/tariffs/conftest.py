"""The seeded tariffs for every test here, even after a `race` test emptied all tables."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ekesco_api.tariffs.models import Tariff
from tests.tariffs.seed import run_revision


@pytest.fixture(autouse=True)
def seeded_tariffs(db_session: Session) -> None:
    # `race` tests commit for real and then empty every table, the migration's seed included;
    # put it back inside this test's transaction, which is rolled back afterwards.
    if not db_session.scalar(select(func.count()).select_from(Tariff)):
        run_revision(db_session.connection(), "upgrade")
