"""Login and refresh run a fixed, small number of SQL statements, however much the account holds.

Measured for an account with 1 meter and with 10 (each code with 24 bills and payments): the
count must not grow with what the account holds.
"""

from __future__ import annotations

import pytest

from ekesco_api.extensions import db
from tests.factories import DEFAULT_PASSWORD
from tests.support.auth import API, LOGIN_URL, bearer
from tests.support.customers import make_billed_customer
from tests.support.statements import count_statements, queries

# The account by its e-mail key; the session family; its first refresh token.
LOGIN_STATEMENTS = 3
# The token used up (one UPDATE that also finds it unused, its session live, and reads the
# family for the new pair), with the new refresh token's INSERT in its WITH clause on
# PostgreSQL; SQLite inserts it with a second statement.
REFRESH_STATEMENTS = {"postgresql": 1, "sqlite": 2}


@pytest.mark.parametrize("meters", [1, 10])
def test_login_and_refresh_statements_do_not_grow(client, db_session, meters):
    customer = make_billed_customer(db_session, meters)
    db_session.expunge_all()
    body = {"username": customer.account.email, "password": DEFAULT_PASSWORD}

    with count_statements() as login_statements:
        response = client.post(LOGIN_URL, json=body)
    assert response.status_code == 200, response.get_json()
    refresh_token = response.get_json()["refresh_token"]
    with count_statements() as refresh_statements:
        refreshed = client.post(f"{API}/auth/refresh", headers=bearer(refresh_token))

    assert refreshed.status_code == 200
    assert len(queries(login_statements)) == LOGIN_STATEMENTS, login_statements
    expected = REFRESH_STATEMENTS[db.engine.dialect.name]
    assert len(queries(refresh_statements)) == expected, refresh_statements
