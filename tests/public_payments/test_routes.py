"""/public/bills/lookup and /public/payments: a paper bill paid without an account, and guessing
made useless."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import time
import uuid
from decimal import Decimal

import limits.storage.memory
import pytest

from ekesco_api.clock import local_today
from ekesco_api.payments import cis_export
from ekesco_api.payments.callback import callback_signature
from ekesco_api.payments.models import Payment
from tests.factories import make_bill, make_meter
from tests.support.customers import make_customer
from tests.support.statements import count_statements, queries

LOOKUP = "/api/v1/public/bills/lookup"
PAY = "/api/v1/public/payments"
CALLBACK = "/api/v1/payments/callback"


@pytest.fixture
def paper_bill(db_session):
    """A household's latest bill on paper: DPR 7654321, bill 2026110076543, 34.28 € owed."""
    customer = make_customer(
        db_session, customer_code="DPR 7654321", first_name="Arbën", last_name="Krasniqi"
    )
    bill = make_bill(
        db_session,
        supply_point=customer.supply_point,
        bill_number="2026110076543",
        period="2026-10",
        issued_on=dt.date(2026, 11, 5),
        due_on=dt.date(2026, 11, 25),
        total=Decimal("34.28"),
    )
    return customer, bill


def _lookup(client, code="dpr7654321", number="2026110076543", **environ):
    return client.get(
        LOOKUP,
        query_string={"customer_code": code, "bill_number": number},
        environ_base=environ,
    )


def _pay(client, key=None, language="en", **body):
    values = {"customer_code": "DPR 7654321", "bill_number": "2026110076543", "amount": "34.28"}
    values.update(body)
    return client.post(
        PAY,
        json=values,
        headers={"Idempotency-Key": key or str(uuid.uuid4()), "Accept-Language": language},
    )


def _bank_confirms(client, payment, status="succeeded", reference="BNK-PAPER-1"):
    raw = json.dumps(
        {
            "payment_id": payment["id"],
            "status": status,
            "bank_reference": reference,
            "amount": payment["amount"],
            "currency": "EUR",
        }
    ).encode()
    stamp = str(int(time.time()))
    secret = client.application.config["PAYMENT_WEBHOOK_SECRET"]
    response = client.post(
        CALLBACK,
        data=raw,
        headers={
            "Content-Type": "application/json",
            "X-Timestamp": stamp,
            "X-Signature": callback_signature(secret, stamp, raw),
        },
    )
    assert response.status_code == 200, response.get_json()


# --- the look-up -----------------------------------------------------------------------------


def test_the_payer_sees_initials_the_period_the_due_date_and_what_is_owed(client, paper_bill):
    response = _lookup(client)
    assert response.status_code == 200
    assert response.get_json() == {
        "customer_code": "DPR 7654321",
        "bill_number": "2026110076543",
        "holder": "A. K.",
        "period": "2026-10",
        "due_on": "2026-11-25",
        "amount_due": "34.28",
    }
    assert "Krasniqi" not in response.get_data(as_text=True)


def test_a_wrong_code_and_a_wrong_number_get_the_same_answer(client, paper_bill):
    wrong_code = _lookup(client, code="DPR 7654322")
    wrong_number = _lookup(client, number="2026110076544")
    for response in (wrong_code, wrong_number):
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"
    assert wrong_code.get_json() == wrong_number.get_json()
    assert wrong_code.get_json()["code"] == "bill_unknown"


def test_lookups_leave_no_customer_code_in_the_log(client, paper_bill, caplog):
    caplog.set_level(logging.DEBUG)
    for _ in range(8):  # past the limit: the limiter logs the breach, with its key
        _lookup(client, number="0000000000000")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "ratelimit" in logged.lower()
    assert "7654321" not in logged


# --- guessing --------------------------------------------------------------------------------


class _Clock:
    """The limiter's memory storage reads `time.time()`; this one can be moved on."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset


def test_a_thousand_guesses_from_one_address_are_cut_off(client, paper_bill, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    answers = [_lookup(client, number=f"{2026110000000 + n}").status_code for n in range(1000)]
    # Five wrong pairs a minute, then nothing but 429 for the rest of the window.
    assert answers[:5] == [404] * 5
    assert set(answers[5:]) == {429}

    # The right pair, from the same address, waits for the window as well.
    response = _lookup(client)
    assert (response.status_code, response.get_json()["code"]) == (429, "too_many_attempts")
    assert 0 < int(response.headers["Retry-After"]) <= 60
    clock.offset += 61
    assert _lookup(client).status_code == 200


def test_one_address_cannot_lock_a_customer_out(client, paper_bill, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    # One mistyping payer, six tries a minute for an hour: cut off by the address's own limits
    # (five a minute, twenty an hour) ...
    answers = []
    for _minute in range(59):
        for _ in range(6):
            answers.append(
                _lookup(client, number="2026110000000", REMOTE_ADDR="198.51.100.7").status_code
            )
        clock.offset += 60
    assert answers.count(404) == 20 and answers.count(429) == len(answers) - 20
    # ... which is less than the code's own limit: the holder's code answers anyone else.
    assert _lookup(client, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_guesses_spread_over_many_addresses_lock_the_code_for_a_while(
    client, paper_bill, monkeypatch
):
    clock = _Clock()
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    for n in range(30):  # 30 wrong pairs an hour on one code, five each from six addresses
        _lookup(client, number=f"{2026110000000 + n}", REMOTE_ADDR=f"192.0.2.{n // 5}")
    response = _lookup(client, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    clock.offset += 3601
    assert _lookup(client, REMOTE_ADDR="203.0.113.9").status_code == 200


# --- paying ----------------------------------------------------------------------------------


def test_a_paper_bill_is_paid_through_the_apps_own_payments(client, db_session, paper_bill, outbox):
    customer, _bill = paper_bill
    response = _pay(client, email="Payer@Example.com", language="en")

    assert response.status_code == 201, response.get_json()
    payment = response.get_json()
    assert payment["status"] == "pending" and payment["commission"] == "0.00"
    assert payment["redirect_url"].startswith("http")
    assert payment["items"] == [
        {
            "meter_id": None,
            "meter_number": None,
            "customer_code": "DPR 7654321",
            "bill_number": "2026110076543",
            "amount": "34.28",
        }
    ]
    assert db_session.get(Payment, payment["id"]).account_id is None

    _bank_confirms(client, payment)

    # The receipt goes to the payer, in the language of their request.
    [receipt] = outbox.email
    assert receipt["to"] == "Payer@Example.com"
    assert receipt["subject"] == "Payment receipt"
    assert "BNK-PAPER-1" in receipt["body"] and "2026110076543" in receipt["body"]
    assert f"EK-{payment['id']:08d}" in receipt["body"]
    # The holder's app shows it as pending, and what the bill still owes drops.
    balance = client.get("/api/v1/balance", headers=customer.headers).get_json()
    assert balance["pending_payments"] == "34.28"
    assert _lookup(client).get_json()["amount_due"] == "0.00"
    # The CIS gets it like any card payment, with the bill it paid.
    out = io.StringIO()
    cis_export.export_payments(db_session, day=local_today(), out=out)
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert (row["reference"], row["customer_code"], row["amount"], row["bill_number"]) == (
        "BNK-PAPER-1",
        "DPR 7654321",
        "34.28",
        "2026110076543",
    )
    assert row["meter_number"] == ""


# The bill's look-up; the new payment's id; the payment with the bank's page address, its item
# and the idempotency key with the answer, which PostgreSQL writes in one statement.
PAYMENT_STATEMENTS = {"postgresql": 3, "sqlite": 5}


def test_a_paper_bill_payment_runs_a_fixed_number_of_statements(client, db_session, paper_bill):
    with count_statements() as statements:
        response = _pay(client)

    assert response.status_code == 201, response.get_json()
    dialect = db_session.get_bind().dialect.name
    assert len(queries(statements)) == PAYMENT_STATEMENTS[dialect], statements


def test_a_failed_payment_tells_the_payer_nothing_was_charged(client, paper_bill, outbox):
    payment = _pay(client, email="payer@example.com", language="sq").get_json()
    _bank_confirms(client, payment, status="failed")
    [message] = outbox.email
    assert message["subject"] == "Pagesa nuk u krye"
    assert "DPR 7654321" in message["body"]


def test_without_an_e_mail_nobody_is_written_to(client, paper_bill, outbox):
    payment = _pay(client).get_json()
    _bank_confirms(client, payment)
    assert outbox.email == []


def test_the_same_key_answers_the_first_payment_and_another_body_is_refused(client, paper_bill):
    key = str(uuid.uuid4())
    first = _pay(client, key=key, amount="10")
    again = _pay(client, key=key, amount="10.00")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    other = _pay(client, key=key, amount="11.00")
    assert (other.status_code, other.get_json()["code"]) == (409, "idempotency_key_reused")


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        ({"bill_number": "2026110000000"}, {}, 404, "bill_unknown"),
        ({"customer_code": "DPR 7654322"}, {}, 404, "bill_unknown"),
        ({"amount": "0"}, {}, 422, "amount_invalid"),
        ({"amount": "12.345"}, {}, 422, "amount_invalid"),
        ({"email": "not-an-address"}, {}, 422, "validation_error"),
        ({}, {"Idempotency-Key": ""}, 400, "idempotency_key_missing"),
    ],
)
def test_bad_payments_are_refused_and_leave_no_payment(
    client, db_session, paper_bill, body, headers, status, code
):
    values = {"customer_code": "DPR 7654321", "bill_number": "2026110076543", "amount": "5"}
    values.update(body)
    response = client.post(
        PAY, json=values, headers={"Idempotency-Key": str(uuid.uuid4()), **headers}
    )
    assert (response.status_code, response.get_json()["code"]) == (status, code)
    assert db_session.query(Payment).count() == 0


def test_an_app_meters_code_pays_the_same_supply_point(client, db_session, paper_bill):
    customer, _bill = paper_bill
    make_meter(db_session, supply_point=customer.supply_point)  # a second meter on the code
    payment = _pay(client, amount="5.00").get_json()
    assert db_session.get(Payment, payment["id"]).items[0].supply_point_id == (
        customer.supply_point.id
    )
