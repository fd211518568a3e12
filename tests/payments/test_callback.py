"""POST /payments/callback: the bank's signature, each result applied once, the customer told."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from ekesco_api.notifications.models import Notification
from ekesco_api.payments.callback import callback_signature
from ekesco_api.payments.models import PaymentCallback
from tests.payments.helpers import (
    API,
    callback_body,
    pay,
    payment_status,
    pending_payment,
    problem,
    send_callback,
)


def test_a_signed_success_marks_the_payment_succeeded(client, db_session, customer, outbox):
    payment = pending_payment(client, customer)
    response = pay(client, payment, bank_reference="BNK-0001")

    assert response.get_json() == {
        "outcome": "applied",
        "payment_id": payment["id"],
        "status": "succeeded",
    }
    detail = client.get(f"{API}/payments/{payment['id']}", headers=customer.headers).get_json()
    assert detail["status"] == "succeeded"
    assert detail["bank_reference"] == "BNK-0001"
    assert detail["completed_at"].endswith("Z")
    # The customer hears of it in their language (Albanian here), in the inbox and by e-mail.
    [note] = db_session.scalars(select(Notification)).all()
    assert note.kind == "payment_succeeded"
    assert note.account_id == customer.account.id
    [mail] = outbox.email
    assert mail["to"] == customer.account.email
    assert "BNK-0001" in mail["body"]
    assert mail["subject"] == note.title
    assert mail["subject"] != "Payment received"  # translated


def test_a_repeated_callback_has_no_second_effect(client, db_session, customer, outbox):
    payment = pending_payment(client, customer)
    body = callback_body(payment)
    first = send_callback(client, body)
    again = send_callback(client, body)

    assert first.status_code == again.status_code == 200
    assert again.get_json()["outcome"] == "repeat"
    assert len(db_session.scalars(select(Notification)).all()) == 1
    assert len(outbox.email) == 1
    outcomes = db_session.scalars(select(PaymentCallback.outcome).order_by(PaymentCallback.id))
    assert list(outcomes) == ["applied", "repeat"]


def test_a_failed_payment(client, db_session, customer, outbox):
    payment = pending_payment(client, customer)
    pay(client, payment, status="failed")

    assert payment_status(client, customer, payment["id"]) == "failed"
    [note] = db_session.scalars(select(Notification)).all()
    assert note.kind == "payment_failed"
    # A failure after the fact never undoes a success; a success after a failure counts.
    pay(client, payment, status="succeeded")
    assert payment_status(client, customer, payment["id"]) == "succeeded"
    response = send_callback(client, callback_body(payment, status="failed"))
    assert response.get_json()["outcome"] == "ignored"
    assert payment_status(client, customer, payment["id"]) == "succeeded"


def test_a_failed_payment_can_be_retried_with_a_new_key(client, customer):
    payment = pending_payment(client, customer)
    pay(client, payment, status="failed")
    retry = pending_payment(client, customer)
    assert retry["id"] != payment["id"]
    pay(client, retry)
    assert payment_status(client, customer, retry["id"]) == "succeeded"


def test_a_bad_signature_is_refused_and_recorded(client, db_session, customer):
    payment = pending_payment(client, customer)
    response = send_callback(client, callback_body(payment), secret="not-the-secret")

    problem(response, 400, "signature_invalid")
    assert payment_status(client, customer, payment["id"]) == "pending"
    [entry] = db_session.scalars(select(PaymentCallback)).all()
    assert entry.outcome == "signature_invalid"
    assert entry.status_code == 400
    assert json.loads(entry.body)["payment_id"] == payment["id"]
    assert entry.signature_header and entry.timestamp_header


@pytest.mark.parametrize("headers", [{}, {"X-Timestamp": "1"}, {"X-Signature": "ab"}])
def test_missing_signature_headers_are_refused(client, customer, headers):
    payment = pending_payment(client, customer)
    response = client.post(
        f"{API}/payments/callback",
        data=json.dumps(callback_body(payment)),
        headers=headers,
        content_type="application/json",
    )
    problem(response, 400, "signature_invalid")


def test_a_signature_over_another_body_is_refused(client, customer):
    payment = pending_payment(client, customer)
    signed = json.dumps(callback_body(payment, status="failed")).encode()
    stamp = str(int(time.time()))
    signature = callback_signature(
        client.application.config["PAYMENT_WEBHOOK_SECRET"], stamp, signed
    )
    tampered = json.dumps(callback_body(payment, status="succeeded")).encode()
    response = send_callback(client, tampered, timestamp=stamp, signature=signature)
    problem(response, 400, "signature_invalid")


def test_a_non_ascii_signature_is_refused_not_a_crash(client, customer):
    payment = pending_payment(client, customer)
    response = send_callback(client, callback_body(payment), signature="é" * 64)
    problem(response, 400, "signature_invalid")


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_an_old_or_future_timestamp_is_refused(client, customer, offset):
    payment = pending_payment(client, customer)
    response = send_callback(client, callback_body(payment), timestamp=int(time.time()) + offset)
    problem(response, 400, "timestamp_out_of_range")
    assert payment_status(client, customer, payment["id"]) == "pending"


def test_a_timestamp_within_five_minutes_is_fine(client, customer):
    payment = pending_payment(client, customer)
    response = send_callback(client, callback_body(payment), timestamp=int(time.time()) - 290)
    assert response.status_code == 200


def test_a_signed_timestamp_that_is_no_number_is_out_of_range(client, customer):
    payment = pending_payment(client, customer)
    response = send_callback(client, callback_body(payment), timestamp="yesterday")
    problem(response, 400, "timestamp_out_of_range")


@pytest.mark.parametrize(
    "overrides", [{"amount": "28.87"}, {"amount": "2888"}, {"currency": "USD"}, {"amount": "x"}]
)
def test_a_mismatched_amount_or_currency_is_refused(client, db_session, customer, overrides):
    payment = pending_payment(client, customer)
    response = send_callback(client, callback_body(payment, **overrides))
    problem(response, 400, "amount_mismatch")
    assert payment_status(client, customer, payment["id"]) == "pending"
    [entry] = db_session.scalars(select(PaymentCallback)).all()
    assert (entry.outcome, entry.payment_id) == ("amount_mismatch", payment["id"])


def test_the_same_amount_written_otherwise_matches(client, customer):
    payment = pending_payment(client, customer)
    pay(client, payment, amount=28.88)
    assert payment_status(client, customer, payment["id"]) == "succeeded"


def test_a_callback_for_an_unknown_payment_is_404(client, customer):
    payment = pending_payment(client, customer)
    response = send_callback(client, callback_body(payment, payment_id=payment["id"] + 999))
    problem(response, 404, "not_found")


@pytest.mark.parametrize("raw", [b"not json", b"[]", json.dumps({"payment_id": 1}).encode()])
def test_a_signed_but_malformed_body_is_422(client, raw):
    problem(send_callback(client, raw), 422, "validation_error")


def test_one_bank_reference_cannot_pay_two_payments(client, customer):
    first, second = pending_payment(client, customer), pending_payment(client, customer)
    pay(client, first, bank_reference="BNK-SAME")
    response = send_callback(client, callback_body(second, bank_reference="BNK-SAME"))
    problem(response, 409, "bank_reference_taken")
    assert payment_status(client, customer, second["id"]) == "pending"
