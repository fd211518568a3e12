"""POST /payments: intents, one per Idempotency-Key, for the account's own meters."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from ekesco_api.meters import service as meter_service
from ekesco_api.payments.gateway import SIGNED_FIELDS, sign_request
from ekesco_api.payments.models import IdempotencyKey, Payment
from tests.factories import make_meter
from tests.payments.helpers import API, create, problem
from tests.support.auth import logged_out
from tests.support.customers import make_customer


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
            "bill_number": None,
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


def _second_meter(db_session, customer):
    """A meter of another supply point, added to the customer's account."""
    other = make_meter(db_session)
    meter_service.add_meter(
        db_session,
        account_id=customer.account.id,
        customer_code=other.supply_point.customer_code,
        meter_number=other.meter_number,
    )
    return other


def test_one_payment_for_several_meters(client, db_session, customer):
    other = _second_meter(db_session, customer)
    response = create(
        client,
        customer.headers,
        [
            {"meter_id": customer.meter.id, "amount": "10.50"},
            {"meter_id": other.id, "amount": "4"},
        ],
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["amount"] == "14.50"
    assert [item["amount"] for item in body["items"]] == ["10.50", "4.00"]


def test_the_answer_is_the_payment_as_stored(client, db_session, customer):
    # The answer is dumped before the rows are written: it must read as the stored payment does.
    other = _second_meter(db_session, customer)
    items = [
        {"meter_id": other.id, "amount": "0.01"},
        {"meter_id": customer.meter.id, "amount": "4999.9"},
    ]
    created = create(client, customer.headers, items).get_json()

    stored = client.get(f"{API}/payments/{created['id']}", headers=customer.headers)
    assert stored.get_json() == created
    listed = client.get(f"{API}/payments", headers=customer.headers).get_json()
    assert listed == [created]


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
    problem(response, 409, "idempotency_key_reused")


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
    problem(response, 400, "idempotency_key_missing")
    # Checked before the body: a client learns about the header first.
    response = client.post(f"{API}/payments", json={}, headers=customer.headers)
    problem(response, 400, "idempotency_key_missing")


@pytest.mark.parametrize("key", ["x" * 65, "has space", "ключ"])
def test_a_key_too_long_or_not_plain_ascii_is_refused(client, customer, key):
    response = client.post(
        f"{API}/payments",
        json={"items": [{"meter_id": customer.meter.id, "amount": "5.00"}]},
        headers={**customer.headers, "Idempotency-Key": key.encode().decode("latin-1")},
    )
    problem(response, 400, "idempotency_key_invalid")


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
        # Money is a plain decimal string: no exponent, no spaces, no minus zero, no JSON
        # number (it may have been a float on the way: 0.1 + 0.2 is not 0.30).
        "1e2",
        "1e3",
        "1E3",
        " 12.00",
        "12.00 ",
        "12.001",
        "-0",
        "12.",
        ".50",
        "١٢",  # Arabic-Indic digits are digits to Python's Decimal, not to the spec
        12,
        12.5,
    ],
)
def test_invalid_amounts(client, customer, amount):
    response = create(client, customer.headers, [{"meter_id": customer.meter.id, "amount": amount}])
    body = problem(response, 422, "amount_invalid")
    assert body["field_codes"] == {"items.0.amount": ["amount_invalid"]}


def test_the_ceiling_is_on_the_whole_payment_and_configurable(app, client, db_session, customer):
    other = _second_meter(db_session, customer)
    items = [
        {"meter_id": customer.meter.id, "amount": "3000.00"},
        {"meter_id": other.id, "amount": "3000.00"},
    ]
    problem(create(client, customer.headers, items), 422, "amount_invalid")
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
    problem(response, 422, "validation_error")


def test_a_meter_twice_is_422(client, customer):
    items = [{"meter_id": customer.meter.id, "amount": "5"}] * 2
    problem(create(client, customer.headers, items), 422, "validation_error")


def test_another_accounts_meter_is_404_and_the_key_stays_free(client, db_session, customer):
    stranger = make_customer(db_session)
    items = [{"meter_id": stranger.meter.id, "amount": "5"}]
    problem(create(client, customer.headers, items, key="k404"), 404, "not_found")
    assert db_session.scalar(select(IdempotencyKey)) is None
    mine = [{"meter_id": customer.meter.id, "amount": "5"}]
    assert create(client, customer.headers, mine, key="k404").status_code == 201


def test_payments_need_a_customer_token(client):
    response = client.post(f"{API}/payments", json={}, headers={"Idempotency-Key": "a"})
    problem(response, 401, "unauthorized")
    problem(client.get(f"{API}/payments"), 401, "unauthorized")


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


def test_a_logged_out_session_pays_nothing(client, db_session, customer):
    # The statement reading the meters finds the session ended, before anything is written.
    headers = logged_out(client, customer.headers)
    response = create(client, headers, [{"meter_id": customer.meter.id, "amount": "5"}], key="k")
    problem(response, 401, "token_revoked")
    assert db_session.scalar(select(Payment.id)) is None
    assert db_session.scalar(select(IdempotencyKey.id)) is None


def test_a_logged_out_session_is_refused_before_any_other_refusal(client, db_session, customer):
    # Refused before the meters are read, or with no meter row to tell: the session's 401 comes
    # first, as when the guard looked before the view.
    stranger = make_customer(db_session)
    headers = logged_out(client, customer.headers)
    mine = [{"meter_id": customer.meter.id, "amount": "5"}]
    refusals = [
        create(client, headers, [{"meter_id": stranger.meter.id, "amount": "5"}]),
        create(client, headers, [{"meter_id": customer.meter.id, "amount": "0"}]),
        client.post(f"{API}/payments", json={"items": mine}, headers=headers),
    ]
    for response in refusals:
        problem(response, 401, "token_revoked")


@pytest.mark.parametrize("meter_id", [2**63, -(2**63) - 1])
def test_a_meter_id_no_column_holds_is_422_and_a_logged_out_sessions_is_401(
    client, db_session, customer, meter_id
):
    # PostgreSQL refuses the number in the meters' statement, which aborts the transaction;
    # the session's look-up after the view still answers, in a transaction of its own. The
    # customer committed, as a live session is: the refusal rolls back only the request's work.
    db_session.commit()
    items = [{"meter_id": meter_id, "amount": "5"}]
    problem(create(client, customer.headers, items), 422, "value_out_of_range")
    headers = logged_out(client, customer.headers)
    problem(create(client, headers, items), 401, "token_revoked")
    assert db_session.scalar(select(Payment.id)) is None
