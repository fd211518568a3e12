"""What is still owed on a bill: its total less what was paid towards its code since it was
issued (the CIS's payments and the app's the CIS has not confirmed yet), never below zero.

For the latest bill of a code that is the code's `amount_due` (balance); for an older one, what
settles the debt up to and including it, oldest bill first (bills.service). One SQL
expression over a `bills` row, so a look-up reads it with the bill and the reminders select the
bills still owed set-based.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Numeric, case, func, literal, type_coerce

from ekesco_api.bills.models import Bill
from ekesco_api.payments import ledger

ZERO = Decimal("0.00")

_PAID = func.coalesce(
    ledger.imported_since(Bill.supply_point_id, Bill.issued_on), 0
) + func.coalesce(ledger.unconfirmed(Bill.supply_point_id), 0)


def still_owed() -> ColumnElement[Decimal]:
    """The amount still owed on the `bills` row of the statement, to the cent, at least 0.00.

    Rounded in SQL: SQLite sums money in binary floating point, and a bill paid to the cent
    must compare as 0, not as a millionth of a cent.
    """
    owed: Any = func.round(Bill.total - _PAID, 2)
    return type_coerce(case((owed > 0, owed), else_=literal(ZERO)), Numeric(12, 2))
