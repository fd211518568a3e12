"""The bank behind its interface: the hosted page's signed request, chosen by configuration."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ekesco_api.payments.gateway import (
    SIGNED_FIELDS,
    CheckoutRequest,
    HostedPageGateway,
    gateway_from_config,
    request_signature_valid,
)


def test_the_production_adapter_signs_the_hosted_page_request():
    gateway = HostedPageGateway(
        merchant_id="KESCO-01",
        payment_url="https://bank.example/hpp",
        signing_key="k" * 32,
        public_base_url="https://api.kesco.example",
    )
    url = gateway.checkout_url(
        CheckoutRequest(
            order_id=42, amount=Decimal("28.8"), currency="EUR", language="sq", base_url="x"
        )
    )
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "bank.example", "/hpp")
    fields = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert fields["merchant_id"] == "KESCO-01"
    assert fields["amount"] == "28.80"
    assert fields["callback_url"] == "https://api.kesco.example/api/v1/payments/callback"
    assert fields["success_url"].startswith("https://api.kesco.example/")
    assert "card" not in url.lower()
    assert request_signature_valid("k" * 32, fields, fields["signature"])
    tampered = {**fields, "amount": "1.00"}
    assert not request_signature_valid("k" * 32, tampered, fields["signature"])
    assert not request_signature_valid("k" * 32, {"amount": "1"}, fields["signature"])
    assert set(SIGNED_FIELDS) <= set(fields)


def test_the_gateway_follows_configuration():
    base = {"BANK_SIGNING_KEY": "s", "PUBLIC_BASE_URL": "https://x.example"}
    bank = gateway_from_config(
        {**base, "PAYMENT_GATEWAY": "bank", "BANK_MERCHANT_ID": "M", "BANK_PAYMENT_URL": "u"}
    )
    assert isinstance(bank, HostedPageGateway)
    simulated = gateway_from_config({**base, "PAYMENT_GATEWAY": "simulated"})
    url = simulated.checkout_url(
        CheckoutRequest(1, Decimal("1.00"), "EUR", "en", base_url="http://127.0.0.1:5000/")
    )
    assert url.startswith("http://127.0.0.1:5000/simulated-bank/pay?")


def test_production_refuses_the_simulated_bank():
    from ekesco_api.config import ConfigError, load_config

    env = {
        "EKESCO_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "JWT_SECRET_KEY": "j" * 40,
        "PAYMENT_WEBHOOK_SECRET": "p" * 40,
        "DATABASE_URL": "postgresql://db/x",
        "BANK_MERCHANT_ID": "M",
        "BANK_PAYMENT_URL": "https://bank.example/hpp",
        "BANK_SIGNING_KEY": "b" * 40,
    }
    assert load_config(env)["PAYMENT_GATEWAY"] == "bank"
    with pytest.raises(ConfigError, match="PAYMENT_GATEWAY"):
        load_config({**env, "PAYMENT_GATEWAY": "simulated"})
    with pytest.raises(ConfigError, match="PAYMENT_GATEWAY"):
        load_config({**env, "PAYMENT_GATEWAY": "paypal"})
    with pytest.raises(ConfigError, match="PAYMENT_MAX_AMOUNT"):
        load_config({**env, "PAYMENT_MAX_AMOUNT": "-1"})
    with pytest.raises(ConfigError, match="PAYMENT_MAX_AMOUNT"):
        load_config({**env, "PAYMENT_MAX_AMOUNT": "lots"})
    assert load_config({})["PAYMENT_MAX_AMOUNT"] == Decimal("5000.00")
