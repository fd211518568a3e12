"""GET /meters runs one statement besides the token's revocation check, however many meters."""

from __future__ import annotations

from tests.support.auth import API
from tests.support.customers import make_billed_customer
from tests.support.statements import count_statements


def test_meter_list_is_one_statement_besides_the_token_check(client, db_session):
    customer = make_billed_customer(db_session, 10)
    with count_statements() as statements:
        response = client.get(f"{API}/meters", headers=customer.headers)
    assert len(response.get_json()) == 10
    assert len(statements) == 2, statements
