"""The bank behind an interface: the hosted card page in production, a simulated bank otherwise.

Card numbers never reach this service: the customer is sent to the bank's page with a signed
request (merchant id, order id, amount, currency, language, return URLs), and the bank reports
the result to `POST /payments/callback`. The simulated bank takes the very same signed request,
so switching `PAYMENT_GATEWAY` changes nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlencode

SIMULATED_BANK_PATH = "/simulated-bank/pay"
# The fields the bank's page gets, in the order they are signed.
SIGNED_FIELDS = (
    "merchant_id",
    "order_id",
    "amount",
    "currency",
    "language",
    "success_url",
    "fail_url",
    "callback_url",
)


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """What the bank needs to show its card page for one payment."""

    order_id: int
    amount: Decimal
    currency: str
    language: str
    # Where this request came in (scheme and host): the simulated bank sits on this server.
    base_url: str


class PaymentGateway(Protocol):
    """Sends a customer to the bank to pay one intent."""

    def checkout_url(self, request: CheckoutRequest) -> str:
        """The URL of the card page the app opens for this payment."""
        ...


def canonical_request(fields: Mapping[str, str]) -> str:
    """`key=value` pairs joined by `&` in `SIGNED_FIELDS` order: what the signature covers."""
    return "&".join(f"{name}={fields[name]}" for name in SIGNED_FIELDS)


def sign_request(key: str, fields: Mapping[str, str]) -> str:
    """Hex HMAC-SHA256 of the canonical request with the merchant's signing key."""
    return hmac.new(key.encode(), canonical_request(fields).encode(), hashlib.sha256).hexdigest()


def request_signature_valid(key: str, fields: Mapping[str, str], signature: str) -> bool:
    if any(name not in fields for name in SIGNED_FIELDS):
        return False
    return hmac.compare_digest(sign_request(key, fields), signature)


@dataclass(frozen=True, slots=True)
class HostedPageGateway:
    """The intermediary bank's hosted card page (production)."""

    merchant_id: str
    payment_url: str
    signing_key: str
    public_base_url: str

    def fields(self, request: CheckoutRequest) -> dict[str, str]:
        base = self.public_base_url.rstrip("/")
        order = request.order_id
        return {
            "merchant_id": self.merchant_id,
            "order_id": str(order),
            "amount": f"{request.amount:.2f}",
            "currency": request.currency,
            "language": request.language,
            # The app and the web frontend open these when the bank sends the customer back.
            "success_url": f"{base}/payments/return?order_id={order}&result=success",
            "fail_url": f"{base}/payments/return?order_id={order}&result=fail",
            "callback_url": f"{base}/api/v1/payments/callback",
        }

    def checkout_url(self, request: CheckoutRequest) -> str:
        fields = self.fields(request)
        fields["signature"] = sign_request(self.signing_key, fields)
        separator = "&" if "?" in self.payment_url else "?"
        return self.payment_url + separator + urlencode(fields)


@dataclass(frozen=True, slots=True)
class SimulatedGateway:
    """The built-in bank for development and demos: the same signed request, to our own page."""

    signing_key: str

    def checkout_url(self, request: CheckoutRequest) -> str:
        base = request.base_url.rstrip("/")
        bank = HostedPageGateway(
            merchant_id="SIMULATED",
            payment_url=base + SIMULATED_BANK_PATH,
            signing_key=self.signing_key,
            public_base_url=base,
        )
        return bank.checkout_url(request)


def gateway_from_config(config: Mapping[str, Any]) -> PaymentGateway:
    """The gateway `PAYMENT_GATEWAY` names (`bank` or `simulated`)."""
    if config["PAYMENT_GATEWAY"] == "bank":
        return HostedPageGateway(
            merchant_id=config["BANK_MERCHANT_ID"],
            payment_url=config["BANK_PAYMENT_URL"],
            signing_key=config["BANK_SIGNING_KEY"],
            public_base_url=config["PUBLIC_BASE_URL"],
        )
    return SimulatedGateway(signing_key=config["BANK_SIGNING_KEY"])
