"""GET /payments and /payments/{id}: the account's own payments, kept as records."""

from __future__ import annotations

import json

from ekesco_api.payments.models import Payment
from tests.payments.helpers import API, paid_payment, pay, pending_payment, problem
from tests.support.customers import make_customer


def test_history_is_newest_first_and_paginated(client, customer):
    ids = [pending_payment(client, customer, amount=f"{n}.00")["id"] for n in range(1, 4)]
    response = client.get(f"{API}/payments?page_size=2", headers=customer.headers)
    assert response.status_code == 200
    assert [p["id"] for p in response.get_json()] == ids[::-1][:2]
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    page2 = client.get(f"{API}/payments?page_size=2&page=2", headers=customer.headers)
    assert [p["id"] for p in page2.get_json()] == [ids[0]]


def test_another_accounts_payment_is_404(client, db_session, customer):
    payment = pending_payment(client, customer)
    pay(client, payment)
    stranger = make_customer(db_session)
    for path in ("", "/receipt"):
        response = client.get(f"{API}/payments/{payment['id']}{path}", headers=stranger.headers)
        problem(response, 404, "not_found")
    assert client.get(f"{API}/payments", headers=stranger.headers).get_json() == []
    problem(client.get(f"{API}/payments/999999", headers=customer.headers), 404, "not_found")


def test_a_removed_account_keeps_its_payments_as_records(client, db_session, billed):
    from ekesco_api.accounts.removal import delete_accounts

    payment = paid_payment(client, billed)
    delete_accounts(db_session, [billed.account.id])
    db_session.flush()
    db_session.expire_all()
    row = db_session.get(Payment, payment["id"])
    assert row is not None and row.account_id is None and row.status == "succeeded"
