"""A client generated from the committed spec drives a customer's whole journey, typed.

openapi-python-client (pinned in the dev extras) writes the client into a temporary folder with
openapi/client-config.yaml, the settings the README gives; the client talks to the app through
httpx's WSGI transport, inside the test's transaction. Every answer is parsed into the
generated models: a field the spec types wrongly (a number that is a string, an object that is
null) fails here as it would in the app that uses the client.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import importlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from flask import Flask

from tests.factories import make_bill, make_meter, make_supply_point

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "ekesco_generated_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package, generated from openapi/openapi.json and imported."""
    where = tmp_path_factory.mktemp("client")
    config = where / "config.yaml"
    # No formatting hook: the generated code is imported, not read.
    config.write_text(
        (ROOT / "openapi" / "client-config.yaml").read_text(encoding="utf-8") + "post_hooks: []\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(ROOT / "openapi" / "openapi.json"),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(where / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The generator warns about what it could not turn into code; nothing may be skipped.
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def _money(value: Any) -> Decimal:
    assert isinstance(value, str) and re.fullmatch(r"-?[0-9]+\.[0-9]{2}", value), value
    return Decimal(value)


def _signed_callback(app: Flask, transport: httpx.WSGITransport, payment: Any) -> None:
    """The bank's signed callback: the bank is no client of ours, so plain httpx."""
    raw = json.dumps(
        {
            "payment_id": payment.id,
            "status": "succeeded",
            "bank_reference": f"BANK-{payment.id}",
            "amount": payment.amount,
            "currency": "EUR",
        }
    ).encode()
    stamp = str(int(time.time()))
    key = app.config["PAYMENT_WEBHOOK_SECRET"].encode()
    signature = hmac.new(key, stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    with httpx.Client(transport=transport, base_url="http://localhost") as bank:
        answer = bank.post(
            "/api/v1/payments/callback",
            content=raw,
            headers={
                "Content-Type": "application/json",
                "X-Timestamp": stamp,
                "X-Signature": signature,
            },
        )
    assert answer.status_code == 200, answer.text


def test_the_customer_journey_with_a_generated_client(
    app: Flask, db_session: Any, outbox: Any, generated: ModuleType
) -> None:
    point = make_supply_point(db_session, first_name="Arbën", last_name="Krasniqi")
    meter = make_meter(db_session, supply_point=point)
    make_bill(db_session, supply_point=point, period="2025-01")
    bill = make_bill(db_session, supply_point=point, period="2025-02")
    models = _module("models")
    transport = httpx.WSGITransport(app=app)
    http = {"transport": transport}
    guest = generated.Client(base_url="http://localhost", httpx_args=http)

    register = _module("api.registration.register")
    registered = register.sync(
        client=guest,
        body=models.Register(
            customer_code=point.customer_code.lower().replace(" ", ""),
            first_name="Arben",
            last_name="Krasniqi",
            phone="044 123 456",
            email="arben@example.com",
            personal_number="1234567890",
            id_card_expiry=dt.date.today() + dt.timedelta(days=900),
            password="a long passphrase of mine",
        ),
    )
    assert isinstance(registered, models.Registration), registered
    code = re.findall(r"(?<!\d)\d{6}(?!\d)", outbox.sms[-1]["body"])[0]
    verify = _module("api.registration.verify_registration")
    tokens = verify.sync(client=guest, body=models.Verify(email="arben@example.com", code=code))
    assert isinstance(tokens, models.TokenPair), tokens

    login = _module("api.auth.login")
    tokens = login.sync(
        client=guest,
        body=models.Login(username="044 123 456", password="a long passphrase of mine"),
    )
    assert isinstance(tokens, models.TokenPair), tokens
    customer = generated.AuthenticatedClient(
        base_url="http://localhost", token=tokens.access_token, httpx_args=http
    )

    meters = _module("api.meters.list_meters").sync(client=customer)
    assert [m.meter_number for m in meters] == [meter.meter_number]
    assert meters[0].area is None  # typed as MeterArea | None, and None it is

    balance = _module("api.balance.get_balance").sync(client=customer)
    assert isinstance(balance, models.AccountBalance), balance
    assert _money(balance.amount_due) == bill.total
    assert isinstance(balance.meters[0].latest_bill, models.LatestBill)

    bills = _module("api.bills.list_meter_bills").sync(meter_id=meters[0].id, client=customer)
    assert [b.period for b in bills] == ["2025-02", "2025-01"]
    detail = _module("api.bills.get_bill").sync(bill_id=bills[0].id, client=customer)
    assert isinstance(detail, models.BillDetail), detail
    assert sum(_money(line.amount) for line in detail.lines) == _money(detail.total)

    pdf = _module("api.bills.get_bill_pdf").sync(bill_id=bills[0].id, client=customer)
    assert pdf.payload.read().startswith(b"%PDF-")

    payment = _module("api.payments.create_payment").sync(
        client=customer,
        idempotency_key="journey-1",
        body=models.PaymentCreate(
            items=[models.PaymentItemIn(meter_id=meters[0].id, amount=balance.amount_due)]
        ),
    )
    assert isinstance(payment, models.Payment), payment
    assert payment.commission == "0.00"
    assert payment.completed_at is None
    _signed_callback(app, transport, payment)

    paid = _module("api.payments.get_payment").sync(payment_id=payment.id, client=customer)
    assert paid.status == models.PaymentStatus.SUCCEEDED
    assert isinstance(paid.completed_at, dt.datetime)
    receipt = _module("api.payments.get_payment_receipt").sync(
        payment_id=payment.id, client=customer
    )
    assert receipt.payload.read().startswith(b"%PDF-")
    after = _module("api.balance.get_balance").sync(client=customer)
    assert _money(after.amount_due) == 0
