"""POST/GET /payments, the bank's callback and receipts, through HTTP."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from ekesco_api.meters import service as meter_service
from ekesco_api.notifications.models import Notification
from ekesco_api.payments.gateway import SIGNED_FIELDS, sign_request
from ekesco_api.payments.models import IdempotencyKey, Payment, PaymentCallback
from tests.factories import make_meter
from tests.meters.helpers import make_customer
from tests.payments.helpers import API, callback_body, create, pay, send_callback


@pytest.fixture
def customer(db_session):
    return make_customer(db_session)


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code, body
    return body


# --- intents -----------------------------------------------------------------------------------


def test_a_payment_starts_pending_with_the_bank_redirect(client, customer):
    response = create(
        client, customer.headers, [{"meter_id": customer.meter.id, "amount": "28.88"}]
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "pending"
    assert body["amount"] == "28.88"
    assert body["commission"] == "0.00"
    assert body["currency"] == "EUR"
    assert body["items"] == [
        {
            "meter_id": customer.meter.id,
            "meter_number": customer.meter.meter_number,
            "customer_code": customer.supply_point.customer_code,
            "amount": "28.88",
        }
    ]
    assert response.headers["Location"].endswith(f"/api/v1/payments/{body['id']}")
    url = urlsplit(body["redirect_url"])
    assert url.path == "/simulated-bank/pay"
    fields = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert fields["order_id"] == str(body["id"])
    assert fields["amount"] == "28.88"
    assert fields["currency"] == "EUR"
    # Signed with the merchant key, like the production request.
    key = client.application.config["BANK_SIGNING_KEY"]
    assert fields["signature"] == sign_request(key, {n: fields[n] for n in SIGNED_FIELDS})


def test_one_payment_for_several_meters(client, db_session, customer):
    other = make_meter(db_session)
    meter_service.add_meter(
        db_session,
        account_id=customer.account.id,
        customer_code=other.supply_point.customer_code,
        meter_number=other.meter_number,
    )
    response = create(
        client,
        customer.headers,
        [
            {"meter_id": customer.meter.id, "amount": "10.50"},
            {"meter_id": other.id, "amount": 4},
        ],
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["amount"] == "14.50"
    assert [item["amount"] for item in body["items"]] == ["10.50", "4.00"]


def test_the_same_key_and_body_return_the_same_payment(client, db_session, customer):
    items = [{"meter_id": customer.meter.id, "amount": "12.30"}]
    first = create(client, customer.headers, items, key="retry-me")
    # "12.3" is the same amount: the same request.
    again = create(
        client,
        customer.headers,
        [{"meter_id": customer.meter.id, "amount": "12.3"}],
        key="retry-me",
    )

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert db_session.scalar(select(Payment.id).where(Payment.id != first.get_json()["id"])) is None


def test_the_same_key_with_another_body_is_refused(client, customer):
    create(client, customer.headers, [{"meter_id": customer.meter.id, "amount": "12.30"}], key="k1")
    response = create(
        client, customer.headers, [{"meter_id": customer.meter.id, "amount": "12.31"}], key="k1"
    )
    _problem(response, 409, "idempotency_key_reused")


def test_keys_belong_to_one_account(client, db_session, customer):
    other = make_customer(db_session)
    a = create(client, customer.headers, [{"meter_id": customer.meter.id, "amount": "5"}], key="k")
    b = create(client, other.headers, [{"meter_id": other.meter.id, "amount": "5"}], key="k")
    assert a.status_code == b.status_code == 201
    assert a.get_json()["id"] != b.get_json()["id"]


def test_the_key_is_required(client, customer):
    response = client.post(
        f"{API}/payments",
        json={"items": [{"meter_id": customer.meter.id, "amount": "5.00"}]},
        headers=customer.headers,
    )
    _problem(response, 400, "idempotency_key_missing")
    # Checked before the body: a client learns about the header first.
    response = client.post(f"{API}/payments", json={}, headers=customer.headers)
    _problem(response, 400, "idempotency_key_missing")


@pytest.mark.parametrize("key", ["x" * 65, "has space", "ключ"])
def test_a_key_too_long_or_not_plain_ascii_is_refused(client, customer, key):
    response = client.post(
        f"{API}/payments",
        json={"items": [{"meter_id": customer.meter.id, "amount": "5.00"}]},
        headers={**customer.headers, "Idempotency-Key": key.encode().decode("latin-1")},
    )
    _problem(response, 400, "idempotency_key_invalid")


def test_a_64_character_key_is_fine(client, customer):
    response = create(
        client, customer.headers, [{"meter_id": customer.meter.id, "amount": "5"}], key="k" * 64
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "amount",
    [
        "0",
        "0.00",
        "-5.00",
        "12.345",
        "5000.01",
        "abc",
        "NaN",
        "Infinity",
        "",
        True,
        [],
        "1e2",
    ],
)
def test_invalid_amounts(client, customer, amount):
    response = create(client, customer.headers, [{"meter_id": customer.meter.id, "amount": amount}])
    if amount == "1e2":  # 100, written in exponent form: a valid amount
        assert response.status_code == 201
        assert response.get_json()["amount"] == "100.00"
        return
    body = _problem(response, 422, "amount_invalid")
    assert body["field_codes"] == {"items.0.amount": ["amount_invalid"]}


def test_the_ceiling_is_on_the_whole_payment_and_configurable(app, client, db_session, customer):
    other = make_meter(db_session)
    meter_service.add_meter(
        db_session,
        account_id=customer.account.id,
        customer_code=other.supply_point.customer_code,
        meter_number=other.meter_number,
    )
    items = [
        {"meter_id": customer.meter.id, "amount": "3000.00"},
        {"meter_id": other.id, "amount": "3000.00"},
    ]
    _problem(create(client, customer.headers, items), 422, "amount_invalid")
    app.config["PAYMENT_MAX_AMOUNT"] = Decimal("10000.00")
    try:
        assert create(client, customer.headers, items).status_code == 201
    finally:
        app.config["PAYMENT_MAX_AMOUNT"] = Decimal("5000.00")


def test_the_exact_ceiling_is_allowed(client, customer):
    response = create(client, customer.headers, [{"meter_id": customer.meter.id, "amount": "5000"}])
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"items": []},
        {"items": [{"amount": "5"}]},
        {"items": "x"},
        {"items": [{"meter_id": "1", "amount": "5"}]},
        {"items": [{"meter_id": 1, "amount": None}]},
    ],
)
def test_malformed_bodies_are_422(client, customer, body):
    response = client.post(
        f"{API}/payments", json=body, headers={**customer.headers, "Idempotency-Key": "abc"}
    )
    _problem(response, 422, "validation_error")


def test_a_meter_twice_is_422(client, customer):
    items = [{"meter_id": customer.meter.id, "amount": "5"}] * 2
    _problem(create(client, customer.headers, items), 422, "validation_error")


def test_another_accounts_meter_is_404_and_the_key_stays_free(client, db_session, customer):
    stranger = make_customer(db_session)
    items = [{"meter_id": stranger.meter.id, "amount": "5"}]
    _problem(create(client, customer.headers, items, key="k404"), 404, "not_found")
    assert db_session.scalar(select(IdempotencyKey)) is None
    mine = [{"meter_id": customer.meter.id, "amount": "5"}]
    assert create(client, customer.headers, mine, key="k404").status_code == 201


def test_payments_need_a_customer_token(client):
    response = client.post(f"{API}/payments", json={}, headers={"Idempotency-Key": "a"})
    _problem(response, 401, "unauthorized")
    _problem(client.get(f"{API}/payments"), 401, "unauthorized")


# --- the callback ------------------------------------------------------------------------------


def _pending(client, customer, amount: str = "28.88") -> dict:
    response = create(client, customer.headers, [{"meter_id": customer.meter.id, "amount": amount}])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _status(client, customer, payment_id: int) -> str:
    return client.get(f"{API}/payments/{payment_id}", headers=customer.headers).get_json()["status"]


def test_a_signed_success_marks_the_payment_succeeded(client, db_session, customer, outbox):
    payment = _pending(client, customer)
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
    payment = _pending(client, customer)
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
    payment = _pending(client, customer)
    pay(client, payment, status="failed")

    assert _status(client, customer, payment["id"]) == "failed"
    [note] = db_session.scalars(select(Notification)).all()
    assert note.kind == "payment_failed"
    # A failure after the fact never undoes a success; a success after a failure counts.
    pay(client, payment, status="succeeded")
    assert _status(client, customer, payment["id"]) == "succeeded"
    response = send_callback(client, callback_body(payment, status="failed"))
    assert response.get_json()["outcome"] == "ignored"
    assert _status(client, customer, payment["id"]) == "succeeded"


def test_a_failed_payment_can_be_retried_with_a_new_key(client, customer):
    payment = _pending(client, customer)
    pay(client, payment, status="failed")
    retry = _pending(client, customer)
    assert retry["id"] != payment["id"]
    pay(client, retry)
    assert _status(client, customer, retry["id"]) == "succeeded"


def test_a_bad_signature_is_refused_and_recorded(client, db_session, customer):
    payment = _pending(client, customer)
    response = send_callback(client, callback_body(payment), secret="not-the-secret")

    _problem(response, 400, "signature_invalid")
    assert _status(client, customer, payment["id"]) == "pending"
    [entry] = db_session.scalars(select(PaymentCallback)).all()
    assert entry.outcome == "signature_invalid"
    assert entry.status_code == 400
    assert json.loads(entry.body)["payment_id"] == payment["id"]
    assert entry.signature_header and entry.timestamp_header


@pytest.mark.parametrize("headers", [{}, {"X-Timestamp": "1"}, {"X-Signature": "ab"}])
def test_missing_signature_headers_are_refused(client, customer, headers):
    payment = _pending(client, customer)
    response = client.post(
        f"{API}/payments/callback",
        data=json.dumps(callback_body(payment)),
        headers=headers,
        content_type="application/json",
    )
    _problem(response, 400, "signature_invalid")


def test_a_signature_over_another_body_is_refused(client, customer):
    payment = _pending(client, customer)
    signed = json.dumps(callback_body(payment, status="failed")).encode()
    stamp = str(int(time.time()))
    from ekesco_api.payments.service import callback_signature

    signature = callback_signature(
        client.application.config["PAYMENT_WEBHOOK_SECRET"], stamp, signed
    )
    tampered = json.dumps(callback_body(payment, status="succeeded")).encode()
    response = send_callback(client, tampered, timestamp=stamp, signature=signature)
    _problem(response, 400, "signature_invalid")


def test_a_non_ascii_signature_is_refused_not_a_crash(client, customer):
    payment = _pending(client, customer)
    response = send_callback(client, callback_body(payment), signature="é" * 64)
    _problem(response, 400, "signature_invalid")


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_an_old_or_future_timestamp_is_refused(client, customer, offset):
    payment = _pending(client, customer)
    response = send_callback(client, callback_body(payment), timestamp=int(time.time()) + offset)
    _problem(response, 400, "timestamp_out_of_range")
    assert _status(client, customer, payment["id"]) == "pending"


def test_a_timestamp_within_five_minutes_is_fine(client, customer):
    payment = _pending(client, customer)
    response = send_callback(client, callback_body(payment), timestamp=int(time.time()) - 290)
    assert response.status_code == 200


def test_a_signed_timestamp_that_is_no_number_is_out_of_range(client, customer):
    payment = _pending(client, customer)
    response = send_callback(client, callback_body(payment), timestamp="yesterday")
    _problem(response, 400, "timestamp_out_of_range")


@pytest.mark.parametrize(
    "overrides", [{"amount": "28.87"}, {"amount": "2888"}, {"currency": "USD"}, {"amount": "x"}]
)
def test_a_mismatched_amount_or_currency_is_refused(client, db_session, customer, overrides):
    payment = _pending(client, customer)
    response = send_callback(client, callback_body(payment, **overrides))
    _problem(response, 400, "amount_mismatch")
    assert _status(client, customer, payment["id"]) == "pending"
    [entry] = db_session.scalars(select(PaymentCallback)).all()
    assert (entry.outcome, entry.payment_id) == ("amount_mismatch", payment["id"])


def test_the_same_amount_written_otherwise_matches(client, customer):
    payment = _pending(client, customer)
    pay(client, payment, amount=28.88)
    assert _status(client, customer, payment["id"]) == "succeeded"


def test_a_callback_for_an_unknown_payment_is_404(client, customer):
    payment = _pending(client, customer)
    response = send_callback(client, callback_body(payment, payment_id=payment["id"] + 999))
    _problem(response, 404, "not_found")


@pytest.mark.parametrize("raw", [b"not json", b"[]", json.dumps({"payment_id": 1}).encode()])
def test_a_signed_but_malformed_body_is_422(client, raw):
    _problem(send_callback(client, raw), 422, "validation_error")


def test_one_bank_reference_cannot_pay_two_payments(client, customer):
    first, second = _pending(client, customer), _pending(client, customer)
    pay(client, first, bank_reference="BNK-SAME")
    response = send_callback(client, callback_body(second, bank_reference="BNK-SAME"))
    _problem(response, 409, "bank_reference_taken")
    assert _status(client, customer, second["id"]) == "pending"


# --- history and receipts ----------------------------------------------------------------------


def test_history_is_newest_first_and_paginated(client, customer):
    ids = [_pending(client, customer, amount=f"{n}.00")["id"] for n in range(1, 4)]
    response = client.get(f"{API}/payments?page_size=2", headers=customer.headers)
    assert response.status_code == 200
    assert [p["id"] for p in response.get_json()] == ids[::-1][:2]
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    page2 = client.get(f"{API}/payments?page_size=2&page=2", headers=customer.headers)
    assert [p["id"] for p in page2.get_json()] == [ids[0]]


def test_another_accounts_payment_is_404(client, db_session, customer):
    payment = _pending(client, customer)
    pay(client, payment)
    stranger = make_customer(db_session)
    for path in ("", "/receipt"):
        response = client.get(f"{API}/payments/{payment['id']}{path}", headers=stranger.headers)
        _problem(response, 404, "not_found")
    assert client.get(f"{API}/payments", headers=stranger.headers).get_json() == []
    _problem(client.get(f"{API}/payments/999999", headers=customer.headers), 404, "not_found")


def test_the_receipt_of_a_succeeded_payment(client, customer):
    payment = _pending(client, customer)
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
    payment = _pending(client, customer)
    if status == "failed":
        pay(client, payment, status="failed")
    response = client.get(f"{API}/payments/{payment['id']}/receipt", headers=customer.headers)
    _problem(response, 409, "payment_not_succeeded")


def test_errors_come_in_the_requested_language(client, customer):
    response = client.post(
        f"{API}/payments",
        json={},
        headers={**customer.headers, "Accept-Language": "en"},
    )
    assert response.get_json()["title"] == "Send an Idempotency-Key header with this request."
    response = client.post(
        f"{API}/payments", json={}, headers={**customer.headers, "Accept-Language": "sq"}
    )
    assert response.get_json()["title"] != "Send an Idempotency-Key header with this request."


def test_expired_intents_show_as_expired(client, db_session, customer):
    from ekesco_api.payments import service

    payment = _pending(client, customer)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)
    assert service.expire_payments(db_session, now=later) == 1
    assert _status(client, customer, payment["id"]) == "expired"
