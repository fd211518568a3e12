"""GET /meters/{id}/bills and GET /balance run a fixed, small number of SQL statements.

Measured for an account with 1 meter and with 10, each customer code with 24 monthly bills and
payments: the count must not grow with meters or bills. The count includes the token's
revocation check every authenticated request makes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import event

from ekesco_api.extensions import db
from ekesco_api.meters import service as meter_service
from tests.factories import make_bill, make_cis_payment, make_meter
from tests.meters.helpers import API, Customer, make_app_payment, make_customer, utc

BILLS_STATEMENTS = 2  # token check; the meter with all its bills and what was paid since
BALANCE_STATEMENTS = 2  # token check; meters with their latest bills and what was paid since


@contextmanager
def count_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _billed(session, meter) -> None:
    point = meter.supply_point
    make_app_payment(session, meter, "10.00")  # paid in the app, not yet confirmed by the CIS
    for n in range(24):
        year, month = 2023 + n // 12, n % 12 + 1
        make_bill(session, supply_point=point, period=f"{year}-{month:02d}")
        make_cis_payment(
            session, supply_point=point, amount=Decimal("28.88"), paid_at=utc(year, month, 28)
        )


def _account_with(session, meters: int) -> Customer:
    customer = make_customer(session)
    _billed(session, customer.meter)
    for _ in range(meters - 1):
        meter = make_meter(session)
        _billed(session, meter)
        meter_service.add_meter(
            session,
            account_id=customer.account.id,
            customer_code=meter.supply_point.customer_code,
            meter_number=meter.meter_number,
        )
    return customer


@pytest.mark.parametrize("meters", [1, 10])
def test_meter_bills_statements_do_not_grow(client, db_session, meters):
    customer = _account_with(db_session, meters)
    url = f"{API}/meters/{customer.meter.id}/bills?page_size=24"
    client.get(url, headers=customer.headers)  # warm: nothing cached that a count would miss
    db_session.expunge_all()

    with count_statements() as statements:
        response = client.get(url, headers=customer.headers)

    assert response.status_code == 200
    assert len(response.get_json()) == 24
    assert len(statements) == BILLS_STATEMENTS, statements


@pytest.mark.parametrize("meters", [1, 10])
def test_balance_statements_do_not_grow(client, db_session, meters):
    customer = _account_with(db_session, meters)
    db_session.expunge_all()

    with count_statements() as statements:
        response = client.get(f"{API}/balance", headers=customer.headers)

    assert response.status_code == 200
    body = response.get_json()
    assert len(body["meters"]) == meters
    assert body["pending_payments"] == f"{10 * meters}.00"
    assert len(statements) == BALANCE_STATEMENTS, statements


def test_meter_list_is_one_statement_besides_the_token_check(client, db_session):
    customer = _account_with(db_session, 10)
    with count_statements() as statements:
        response = client.get(f"{API}/meters", headers=customer.headers)
    assert len(response.get_json()) == 10
    assert len(statements) == 2, statements
