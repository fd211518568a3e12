"""The bills an account sees (those of its codes) in its data export, with their paid status.

Oldest first within each customer code: a bill's status depends on the bills before it, so
taken in that order each is judged as it is read, and a code with decades of bills costs no
more memory than one with a month's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import Session

from ekesco_api.accounts.export import CHUNK_ROWS, ExportContext, section
from ekesco_api.bills.models import Bill
from ekesco_api.bills.service import OLDEST_FIRST, settled_oldest_first
from ekesco_api.meters.ownership import ACCOUNT_CODES
from ekesco_api.payments import ledger

_SUPPLY_POINT = bindparam("supply_point_id", type_=Integer())
_FIRST_ISSUED_ON = (
    select(Bill.issued_on)
    .where(Bill.supply_point_id == _SUPPLY_POINT)
    .order_by(*OLDEST_FIRST)
    .limit(1)
)
_BILLS = (
    select(
        Bill.id,
        Bill.bill_number,
        Bill.period,
        Bill.issued_on,
        Bill.due_on,
        Bill.kwh_high,
        Bill.kwh_low,
        Bill.energy_amount,
        Bill.fixed_fee,
        Bill.vat_amount,
        Bill.previous_balance,
        Bill.total,
    )
    .where(Bill.supply_point_id == _SUPPLY_POINT)
    .order_by(*OLDEST_FIRST)
    .execution_options(yield_per=CHUNK_ROWS)
)


@section("bills", order=30)
def bills(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    connection = session.connection()
    codes = connection.execute(ACCOUNT_CODES, {"account_id": context.account_id}).all()
    for supply_point_id, customer_code in codes:
        first = connection.execute(_FIRST_ISSUED_ON, {"supply_point_id": supply_point_id})
        since = first.scalar()
        if since is None:
            continue
        paid = ledger.paid_since(session, supply_point_id=supply_point_id, since=since).total
        rows = connection.execute(_BILLS, {"supply_point_id": supply_point_id})
        for row, status in settled_oldest_first(rows, paid):
            yield {"customer_code": customer_code, **row._asdict(), "status": status}
