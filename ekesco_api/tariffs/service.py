"""Which tariff is in force on a day, and a month's bill priced by it.

`compute_bill` is where the database meets the pure engine (`tariffs.engine`): given a session
it looks the tariff up, given tariff rows it stays pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, scoped_session

from ekesco_api.tariffs.engine import ZERO, BillLines, TariffRates, bill_from_tariff, select_tariff
from ekesco_api.tariffs.errors import TariffNotFound
from ekesco_api.tariffs.models import CATEGORIES, Tariff

# Routes and commands pass Flask-SQLAlchemy's scoped session; tests pass a plain one.
AnySession = Session | scoped_session[Any]


def tariffs_on(session: AnySession, *, on: dt.date) -> list[Tariff]:
    """Every category's tariff in force on a day, households first."""
    rows = session.scalars(
        select(Tariff).where(
            Tariff.valid_from <= on, or_(Tariff.valid_to.is_(None), Tariff.valid_to >= on)
        )
    ).all()
    found: list[Tariff] = []
    for category in CATEGORIES:
        try:
            found.append(select_tariff(rows, category=category, on=on))
        except TariffNotFound:
            continue
    return found


def tariff_on(session: AnySession, *, category: str, on: dt.date) -> Tariff:
    """The tariff of one category in force on a day; `TariffNotFound` when there is none."""
    return select_tariff(tariffs_on(session, on=on), category=category, on=on)


def compute_bill(
    source: AnySession | Iterable[TariffRates],
    *,
    category: str,
    period_start: dt.date,
    kwh_high: Decimal,
    kwh_low: Decimal,
    previous_balance: Decimal = ZERO,
) -> BillLines:
    """A bill for one month's reads, priced by the tariff in force on the period's first day.

    `source` is a session (the tariff is looked up) or the tariff rows themselves (pure).
    Raises `TariffNotFound` when no tariff of that category covers `period_start`.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    if isinstance(source, Session | scoped_session):
        tariff: TariffRates = tariff_on(source, category=category, on=period_start)
    else:
        tariff = select_tariff(source, category=category, on=period_start)
    return bill_from_tariff(
        tariff, kwh_high=kwh_high, kwh_low=kwh_low, previous_balance=previous_balance
    )
