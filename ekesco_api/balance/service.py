"""What the customer owes: per meter and over the whole account, in two statements.

The amount due of a supply point is its latest bill's total less what was paid since: the
payments the CIS imported with `paid_at` on or after local midnight (Europe/Belgrade) of the
bill's issue date, and the app's own succeeded payments that the CIS has not confirmed yet
(`pending_payments`, see `app_payments`). It never goes below zero: an overpayment is the
supplier's to credit on the next bill, not a negative debt to show.

Amounts belong to supply points (customer codes), not meters: two meters of one code show the
same amount on their rows, and the account's total counts each code once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, and_, func, select
from sqlalchemy.orm import Session, aliased

from ekesco_api.balance import ledger
from ekesco_api.bills.models import Bill
from ekesco_api.bills.service import NEWEST_FIRST
from ekesco_api.cis_import.models import ImportRun
from ekesco_api.meters.errors import MeterNotFound
from ekesco_api.meters.models import Meter
from ekesco_api.meters.readings import local_midnight
from ekesco_api.meters.service import ACCOUNT_ID, METER_ID, listing_order, meters_select
from ekesco_api.types import utcnow

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class LatestBill:
    id: int
    bill_number: str
    period: str
    issued_on: dt.date
    due_on: dt.date
    total: Decimal


@dataclass(frozen=True, slots=True)
class MeterBalance:
    meter_id: int
    meter_number: str
    customer_code: str
    nickname: str | None
    reading_mode: str
    is_primary: bool
    amount_due: Decimal
    pending_payments: Decimal
    latest_bill: LatestBill | None
    last_synced_at: dt.datetime | None
    as_of: dt.datetime


@dataclass(frozen=True, slots=True)
class AccountBalance:
    amount_due: Decimal
    pending_payments: Decimal
    last_synced_at: dt.datetime | None
    as_of: dt.datetime
    meters: list[MeterBalance]


_latest = aliased(Bill, name="latest_bill")
_LATEST_ID = (
    select(Bill.id)
    .where(Bill.supply_point_id == Meter.supply_point_id)
    .order_by(*NEWEST_FIRST)
    .limit(1)
    .correlate(Meter)
    .scalar_subquery()
)
_BALANCE_COLUMNS = (
    _latest.id.label("bill_id"),
    _latest.bill_number,
    _latest.period.label("bill_period"),
    _latest.issued_on,
    _latest.due_on,
    _latest.total.label("bill_total"),
    select(func.max(ImportRun.finished_at)).scalar_subquery().label("last_synced_at"),
)


_ALL_METERS = meters_select(ACCOUNT_ID, *_BALANCE_COLUMNS).outerjoin(
    # The first condition is implied by the second; it lets PostgreSQL find the bill through
    # its supply point's index instead of hashing the whole bills table.
    _latest,
    and_(_latest.supply_point_id == Meter.supply_point_id, _latest.id == _LATEST_ID),
)
_ONE_METER = _ALL_METERS.where(Meter.id == METER_ID)


def _rows(session: Session, account_id: int, meter_id: int | None = None) -> Sequence[Row[Any]]:
    # Core execution on the session's connection: these rows are plain values, and skipping
    # the ORM's per-statement work is a tenth of GET /balance.
    connection = session.connection()
    if meter_id is None:
        return connection.execute(_ALL_METERS, {"account_id": account_id}).all()
    return connection.execute(_ONE_METER, {"account_id": account_id, "meter_id": meter_id}).all()


def _amounts(
    session: Session, rows: Sequence[Row[Any]]
) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """Amount due and pending app payments per supply point (one statement for payments)."""
    paid = ledger.paid_since(
        session,
        cutoffs={
            row.supply_point_id: local_midnight(row.issued_on)
            for row in rows
            if row.bill_id is not None
        },
        supply_point_ids={row.supply_point_id for row in rows},
    )
    due: dict[int, Decimal] = {}
    for row in rows:
        owed = row.bill_total if row.bill_id is not None else ZERO
        due[row.supply_point_id] = max(owed - paid.total(row.supply_point_id), ZERO)
    return due, paid.pending


def _meter_balance(
    row: Row[Any], due: dict[int, Decimal], pending: dict[int, Decimal], as_of: dt.datetime
) -> MeterBalance:
    latest = None
    if row.bill_id is not None:
        latest = LatestBill(
            row.bill_id, row.bill_number, row.bill_period, row.issued_on, row.due_on, row.bill_total
        )
    return MeterBalance(
        meter_id=row.id,
        meter_number=row.meter_number,
        customer_code=row.customer_code,
        nickname=row.nickname,
        reading_mode=row.reading_mode,
        is_primary=bool(row.is_primary),
        amount_due=due[row.supply_point_id],
        pending_payments=pending.get(row.supply_point_id, ZERO),
        latest_bill=latest,
        last_synced_at=row.last_synced_at,
        as_of=as_of,
    )


def meter_balance(session: Session, *, account_id: int, meter_id: int) -> MeterBalance:
    """The balance of one meter's supply point; `MeterNotFound` when it is not on the account."""
    rows = _rows(session, account_id, meter_id)
    if not rows:
        raise MeterNotFound()
    due, pending = _amounts(session, rows)
    return _meter_balance(rows[0], due, pending, utcnow())


def account_balance(session: Session, *, account_id: int) -> AccountBalance:
    """Every meter's balance and the sum over the account's supply points (two statements)."""
    rows = listing_order(_rows(session, account_id))
    due, pending = _amounts(session, rows)
    as_of = utcnow()
    return AccountBalance(
        amount_due=sum(due.values(), ZERO),
        pending_payments=sum(pending.values(), ZERO),
        last_synced_at=rows[0].last_synced_at if rows else _last_synced(session),
        as_of=as_of,
        meters=[_meter_balance(row, due, pending, as_of) for row in rows],
    )


def _last_synced(session: Session) -> dt.datetime | None:
    return session.execute(select(func.max(ImportRun.finished_at))).scalar_one_or_none()
