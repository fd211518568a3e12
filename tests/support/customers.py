"""Customers as the meters, bills, balance, readings and payments tests need them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.meters import service as meter_service
from ekesco_api.meters.models import Meter, SupplyPoint
from tests.factories import (
    make_account,
    make_app_payment,
    make_bill,
    make_cis_payment,
    make_meter,
    make_supply_point,
    utc,
)
from tests.support.auth import API, token_headers

# A registered name that matches none of the factories' holders (they are Arben Krasniqi).
OTHER_NAME = ("Besnik", "Gashi")


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


def _two_years_billed(session: Session, meter: Meter) -> None:
    point = meter.supply_point
    make_app_payment(session, meter, "10.00")  # paid in the app, not yet confirmed by the CIS
    for n in range(24):
        year, month = 2023 + n // 12, n % 12 + 1
        make_bill(session, supply_point=point, period=f"{year}-{month:02d}")
        make_cis_payment(
            session, supply_point=point, amount=Decimal("28.88"), paid_at=utc(year, month, 28)
        )


def make_billed_customer(session: Session, meters: int) -> Customer:
    """A customer holding `meters` meters, each code with 24 monthly bills and CIS payments
    (2023-2024) and a 10.00 app payment the CIS has not confirmed yet."""
    customer = make_customer(session)
    _two_years_billed(session, customer.meter)
    for _ in range(meters - 1):
        meter = make_meter(session)
        _two_years_billed(session, meter)
        meter_service.add_meter(
            session,
            account_id=customer.account.id,
            customer_code=meter.supply_point.customer_code,
            meter_number=meter.meter_number,
        )
    return customer
