"""POST /payments runs a fixed number of SQL statements, however many meters a payment covers
and however many bills they hold.

Measured for a payment of 1 meter and of 10 (each code with 24 bills and payments).
"""

from __future__ import annotations

import pytest

from ekesco_api.meters import service as meter_service
from tests.payments.helpers import create
from tests.support.customers import make_billed_customer
from tests.support.statements import count_statements, queries

# The account's meters with the new payment's id and whether the token's session is live; the
# payment, with the bank's page address that names the id; its items (one INSERT of them all);
# the idempotency key with the answer. PostgreSQL writes the last three in one statement
# (INSERTs in its WITH).
PAYMENT_STATEMENTS = {"postgresql": 2, "sqlite": 4}


@pytest.mark.parametrize("meters", [1, 10])
def test_payment_statements_do_not_grow_with_its_meters(client, db_session, meters):
    customer = make_billed_customer(db_session, meters)
    ids = [m.id for m in meter_service.list_meters(db_session, account_id=customer.account.id)]
    items = [{"meter_id": meter_id, "amount": "12.50"} for meter_id in ids]
    db_session.expunge_all()

    with count_statements() as statements:
        response = create(client, customer.headers, items)

    assert response.status_code == 201, response.get_json()
    assert len(response.get_json()["items"]) == meters
    dialect = db_session.get_bind().dialect.name
    assert len(queries(statements)) == PAYMENT_STATEMENTS[dialect], statements
