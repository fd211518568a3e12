"""Factories for tests: plain functions returning flushed rows with realistic, unique defaults.

Each takes the session first and any column as a keyword override. Append yours at the end.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from ekesco_api.accounts.models import STATUS_ACTIVE, STATUS_PENDING, Account
from ekesco_api.areas.models import AREA_LEVELS, Area
from ekesco_api.bills.models import Bill
from ekesco_api.cis_import.areas import fold_name
from ekesco_api.keys import email_key, identifier_key
from ekesco_api.meters.models import Meter, Reading, SupplyPoint
from ekesco_api.passwords import hash_password
from ekesco_api.payments.models import CisPayment, Payment, PaymentItem
from ekesco_api.tariffs.models import Tariff

# One counter for every factory; numbers start high so they never meet the demo export's codes.
_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def _add(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def make_area(session: Session, **overrides: Any) -> Area:
    """A city by default; give `parent=` (an Area) for a locality or neighbourhood below it."""
    n = _next()
    parent: Area | None = overrides.pop("parent", None)
    level = AREA_LEVELS[AREA_LEVELS.index(parent.level) + 1] if parent else AREA_LEVELS[0]
    name = overrides.get("name", f"Lagjja {n}" if parent else f"Qyteti {n}")
    # The import's normal form, so a factory area and an imported address meet in one node.
    key = f"{parent.path_key}/{fold_name(name)}" if parent else fold_name(name)
    values: dict[str, Any] = {
        "level": level,
        "name": name,
        "name_sr": None,
        "name_en": None,
        "parent_id": parent.id if parent else None,
        "path_key": key,
    }
    values.update(overrides)
    return _add(session, Area(**values))


def make_supply_point(session: Session, **overrides: Any) -> SupplyPoint:
    """A household in Prishtinë held by Arben Krasniqi, with a unique code and personal number."""
    n = _next()
    code = overrides.get("customer_code", f"DPR {9_000_000 + n:07d}")
    values: dict[str, Any] = {
        "customer_code": code,
        "code_key": identifier_key(code),
        "first_name": "Arben",
        "last_name": "Krasniqi",
        "personal_number": f"{1_100_000_000 + n}",
        "street": f"Rr. Nëna Terezë nr. {n % 120 + 1}",
        "city": "Prishtinë",
        "locality": "Prishtinë",
        "neighbourhood": "Dardania",
        "category": "household",
        "area_id": None,
    }
    if "area" in overrides:
        area = overrides.pop("area")
        values["area_id"] = area.id if area is not None else None
    values.update(overrides)
    return _add(session, SupplyPoint(**values))


def make_meter(session: Session, **overrides: Any) -> Meter:
    """A remote-read, dual-tariff meter; on a new supply point unless `supply_point=` is given."""
    n = _next()
    supply_point = overrides.pop("supply_point", None)
    if supply_point is None and "supply_point_id" not in overrides:
        supply_point = make_supply_point(session)
    number = overrides.get("meter_number", f"{90_000_000 + n}")
    values: dict[str, Any] = {
        "meter_number": number,
        "number_key": identifier_key(number),
        "reading_mode": "remote",
        "tariff_type": "dual",
    }
    if supply_point is not None:
        values["supply_point_id"] = supply_point.id
    values.update(overrides)
    return _add(session, Meter(**values))


def make_bill(session: Session, **overrides: Any) -> Bill:
    """January 2025's bill of a household whose lines add up; `total` follows the parts given.

    `period="2025-03"` moves the issue and due dates with it unless they are given too.
    """
    n = _next()
    supply_point = overrides.pop("supply_point", None)
    if supply_point is None and "supply_point_id" not in overrides:
        supply_point = make_supply_point(session)
    period = overrides.get("period", "2025-01")
    year, month = (int(part) for part in period.split("-"))
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    values: dict[str, Any] = {
        "bill_number": f"F{9_000_000_000 + n}",
        "period": period,
        "issued_on": first_of_next + dt.timedelta(days=4),
        "due_on": first_of_next + dt.timedelta(days=19),
        "kwh_high": Decimal("250.00"),
        "kwh_low": Decimal("120.00"),
        "energy_amount": Decimal("25.00"),
        "fixed_fee": Decimal("1.74"),
        "vat_amount": Decimal("2.14"),
        "previous_balance": Decimal("0.00"),
    }
    if supply_point is not None:
        values["supply_point_id"] = supply_point.id
    values.update(overrides)
    values.setdefault(
        "total",
        values["energy_amount"]
        + values["fixed_fee"]
        + values["vat_amount"]
        + values["previous_balance"],
    )
    return _add(session, Bill(**values))


def make_cis_payment(session: Session, **overrides: Any) -> CisPayment:
    """A 28.88 € bank payment the CIS recorded; on a new supply point unless one is given."""
    n = _next()
    supply_point = overrides.pop("supply_point", None)
    if supply_point is None and "supply_point_id" not in overrides:
        supply_point = make_supply_point(session)
    values: dict[str, Any] = {
        "reference": f"PAY-{9_000_000 + n}",
        "amount": Decimal("28.88"),
        "paid_at": dt.datetime(2025, 2, 10, 9, 30, tzinfo=dt.UTC),
        "channel": "bank",
    }
    if supply_point is not None:
        values["supply_point_id"] = supply_point.id
    values.update(overrides)
    return _add(session, CisPayment(**values))


def make_reading(session: Session, **overrides: Any) -> Reading:
    """A remote register read at midnight UTC; on a new remote meter unless `meter=` is given."""
    n = _next()
    meter = overrides.pop("meter", None)
    if meter is None and "meter_id" not in overrides:
        meter = make_meter(session)
    values: dict[str, Any] = {
        "read_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=n),
        "kwh_high_total": Decimal("12345.000"),
        "kwh_low_total": Decimal("6789.000"),
    }
    if meter is not None:
        values["meter_id"] = meter.id
    values.update(overrides)
    return _add(session, Reading(**values))


# A password the policy accepts; `make_account` uses it unless given another.
DEFAULT_PASSWORD = "violet-harbour-lantern-88"


@cache
def _password_hash(password: str) -> str:
    # argon2 is slow on purpose; one hash per distinct password keeps the suite fast.
    return hash_password(password)


def make_account(
    session: Session, *, password: str = DEFAULT_PASSWORD, verified: bool = True, **overrides: Any
) -> Account:
    """A customer account on a supply point of its own (or `supply_point=`), active by default.

    `verified=False` leaves it pending verification; any Account column is an override (`email`
    also sets `email_key`; `phone` is E.164).
    """
    n = _next()
    supply_point = overrides.pop("supply_point", None)
    if supply_point is None and "supply_point_id" not in overrides:
        supply_point = make_supply_point(session)
    email = overrides.pop("email", f"customer{n}@example.com")
    values: dict[str, Any] = {
        "first_name": "Arben",
        "last_name": "Krasniqi",
        "email": email,
        "email_key": email_key(email),
        "phone": f"+38349{n % 1_000_000:06d}",
        "personal_number": supply_point.personal_number if supply_point else f"{1_200_000_000 + n}",
        "id_card_expiry": dt.date.today() + dt.timedelta(days=3 * 365),
        "password_hash": _password_hash(password),
        "language": "sq",
        "status": STATUS_ACTIVE if verified else STATUS_PENDING,
        "name_matches_holder": True,
        "password_change_required": False,
        "verified_at": dt.datetime.now(dt.UTC) if verified else None,
    }
    if supply_point is not None:
        values["supply_point_id"] = supply_point.id
    values.update(overrides)
    return _add(session, Account(**values))


# A staff password the policy accepts; `make_staff` uses it unless given another.
STAFF_PASSWORD = "amber-quarry-violin-47"


def make_staff(session: Session, *, role: str = "support", **overrides: Any) -> Any:
    """A staff member (support by default) who logs in with `STAFF_PASSWORD`."""
    from ekesco_api.staff.models import StaffMember

    n = _next()
    email = overrides.pop("email", f"{role}{n}@kesco-energy.com")
    values: dict[str, Any] = {
        "email": email,
        "email_key": email_key(email),
        "password_hash": _password_hash(overrides.pop("password", STAFF_PASSWORD)),
        "role": role,
        "active": True,
    }
    values.update(overrides)
    return _add(session, StaffMember(**values))


def utc(*args: int) -> dt.datetime:
    """A moment in UTC, for factory overrides: `read_at=utc(2031, 2, 10)`."""
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


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
    return _add(session, Tariff(**values))


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
    return _add(session, payment)
