"""GET /meters/{id}/bills runs a fixed, small number of SQL statements.

Measured for an account with 1 meter and with 10, each customer code with 24 monthly bills and
payments: the count must not grow with meters or bills. The token's revocation check, which
every authenticated request makes, rides on the bills statement: no statement of its own.
"""

from __future__ import annotations

import pytest

from tests.support.auth import API
from tests.support.customers import make_billed_customer
from tests.support.statements import count_statements

# The meter with all its bills and what was paid since, and whether the session is live.
BILLS_STATEMENTS = 1


@pytest.mark.parametrize("meters", [1, 10])
def test_meter_bills_statements_do_not_grow(client, db_session, meters):
    customer = make_billed_customer(db_session, meters)
    url = f"{API}/meters/{customer.meter.id}/bills?page_size=24"
    client.get(url, headers=customer.headers)  # warm: nothing cached that a count would miss
    db_session.expunge_all()

    with count_statements() as statements:
        response = client.get(url, headers=customer.headers)

    assert response.status_code == 200
    assert len(response.get_json()) == 24
    assert len(statements) == BILLS_STATEMENTS, statements
