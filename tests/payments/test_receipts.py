"""GET /payments/{id}/receipt: the PDF of a payment that succeeded."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.payments.helpers import API, pay, pending_payment, problem


def test_the_receipt_of_a_succeeded_payment(client, customer):
    payment = pending_payment(client, customer)
    pay(client, payment, bank_reference="BNK-RCPT-1")
    response = client.get(
        f"{API}/payments/{payment['id']}/receipt",
        headers={**customer.headers, "Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "BNK-RCPT-1" in text
    assert customer.supply_point.customer_code in text
    assert "Payment receipt" in text


@pytest.mark.parametrize("status", ["pending", "failed"])
def test_no_receipt_unless_succeeded(client, customer, status):
    payment = pending_payment(client, customer)
    if status == "failed":
        pay(client, payment, status="failed")
    response = client.get(f"{API}/payments/{payment['id']}/receipt", headers=customer.headers)
    problem(response, 409, "payment_not_succeeded")
