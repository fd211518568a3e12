"""Accounts with meters, and their bearer headers, for the meters, bills and balance tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.auth.tokens import issue_token_pair
from ekesco_api.meters.models import Meter, SupplyPoint
from ekesco_api.payments.models import Payment, PaymentItem
from ekesco_api.tariffs.models import Tariff
from tests.auth_helpers import bearer
from tests.factories import make_account, make_meter, make_supply_point

API = "/api/v1"
# A registered name that matches none of the factories' holders (they are Arben Krasniqi).
OTHER_NAME = ("Besnik", "Gashi")


def token_headers(session: Session, account: Account, **headers: str) -> dict[str, str]:
    """A bearer header for `account`, issued directly (no password hashing, no rate limit)."""
    pair = issue_token_pair(session, account=account)
    session.flush()
    return {**bearer(pair["access_token"]), **headers}


@dataclass
class Customer:
    account: Account
    supply_point: SupplyPoint
    meter: Meter
    headers: dict[str, str] = field(default_factory=dict)


def make_customer(
    session: Session,
    *,
    reading_mode: str = "remote",
    name_matches_holder: bool = True,
    language: str = "sq",
    meter: dict[str, Any] | None = None,
    **supply_point: Any,
) -> Customer:
    """An active account registered on a supply point of its own with one meter on it.

    The account registered with its holder's name, or with another one when
    `name_matches_holder` is false: the flag tells the truth about the names, as it does in the
    app, since a code the account adds is masked by comparing the names themselves.
    """
    point = make_supply_point(session, **supply_point)
    own = make_meter(session, supply_point=point, reading_mode=reading_mode, **(meter or {}))
    given = (point.first_name, point.last_name) if name_matches_holder else OTHER_NAME
    account = make_account(
        session,
        supply_point=point,
        first_name=given[0],
        last_name=given[1],
        name_matches_holder=name_matches_holder,
        language=language,
    )
    return Customer(account, point, own, token_headers(session, account))


def add_meter(client: Any, customer: Customer, meter: Meter, **extra: Any) -> Any:
    """POST /meters for `meter` (its own supply point's code) as `customer`."""
    point = meter.supply_point
    body = {"customer_code": point.customer_code, "meter_number": meter.meter_number, **extra}
    return client.post(f"{API}/meters", json=body, headers=customer.headers)


def make_tariff(session: Session, **overrides: Any) -> Tariff:
    """A household tariff with round prices from 2031, later than any seeded decision.

    The latest `valid_from` wins, so tests priced in 2031 use these figures whatever the seed
    holds: 0.10 €/kWh high, 0.05 low in the first 800 kWh; 0.20 and 0.10 above; 2.00 € fee; 8 %.
    """
    values: dict[str, Any] = {
        "category": "household",
        "valid_from": dt.date(2031, 1, 1),
        "valid_to": None,
        "price_high": Decimal("0.10000"),
        "price_low": Decimal("0.05000"),
        "block_kwh": Decimal("800.00"),
        "price_high_above": Decimal("0.20000"),
        "price_low_above": Decimal("0.10000"),
        "fixed_fee": Decimal("2.00"),
        "vat_percent": Decimal("8.00"),
        "decision_number": "TEST/2031",
        "decision_date": dt.date(2030, 12, 1),
        "decision_title": "Test tariff",
        "source_url": None,
        "note": None,
    }
    if overrides.get("category") == "commercial":
        values.update(block_kwh=None, price_high_above=None, price_low_above=None)
    values.update(overrides)
    tariff = Tariff(**values)
    session.add(tariff)
    session.flush()
    return tariff


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


def make_app_payment(
    session: Session,
    meter: Meter,
    amount: str,
    *,
    status: str = "succeeded",
    cis_reference: str | None = None,
) -> Payment:
    """A card payment made in the app for one meter's code, succeeded at the bank by default."""
    now = dt.datetime.now(dt.UTC)
    payment = Payment(
        account_id=None,
        status=status,
        amount=Decimal(amount),
        commission=Decimal("0.00"),
        currency="EUR",
        redirect_url="https://bank.example/pay",
        created_at=now,
        completed_at=now if status == "succeeded" else None,
    )
    payment.items.append(
        PaymentItem(
            position=1,
            meter_id=meter.id,
            supply_point_id=meter.supply_point_id,
            meter_number=meter.meter_number,
            customer_code=meter.supply_point.customer_code,
            amount=Decimal(amount),
            cis_reference=cis_reference,
        )
    )
    session.add(payment)
    session.flush()
    return payment
