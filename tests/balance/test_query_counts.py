"""GET /balance runs a fixed, small number of SQL statements.

Measured for an account with 1 meter and with 10, each customer code with 24 monthly bills and
payments: the count must not grow with meters or bills. The token's revocation check, which
every authenticated request makes, rides on the balance statement: no statement of its own.
"""

from __future__ import annotations

import pytest

from tests.support.auth import API
from tests.support.customers import make_billed_customer
from tests.support.statements import count_statements

# Meters with their latest bills and what was paid since, and whether the session is live.
BALANCE_STATEMENTS = 1


@pytest.mark.parametrize("meters", [1, 10])
def test_balance_statements_do_not_grow(client, db_session, meters):
    customer = make_billed_customer(db_session, meters)
    db_session.expunge_all()

    with count_statements() as statements:
        response = client.get(f"{API}/balance", headers=customer.headers)

    assert response.status_code == 200
    body = response.get_json()
    assert len(body["meters"]) == meters
    assert body["pending_payments"] == f"{10 * meters}.00"
    assert len(statements) == BALANCE_STATEMENTS, statements
