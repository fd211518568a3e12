"""The payments tests' customers: one with a meter, and one with an unpaid bill."""

from __future__ import annotations

import pytest

from tests.factories import make_bill
from tests.support.customers import make_customer


@pytest.fixture
def customer(db_session):
    return make_customer(db_session)


@pytest.fixture
def billed(db_session):
    """A customer whose latest bill (January 2026) is 28.88 and unpaid."""
    customer = make_customer(db_session)
    make_bill(db_session, supply_point=customer.supply_point, period="2026-01")
    return customer
