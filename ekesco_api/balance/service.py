"""What the customer owes: per meter and over the whole account, in one statement.

The amount due of a supply point is its latest bill's total less what was paid since (see
`ledger`): the imported payments made on or after the bill's issue date, and the app's own
succeeded payments that the CIS has not confirmed yet (`pending_payments`). It never goes below
zero: an overpayment is the supplier's to credit on the next bill, not a negative debt to show.

Amounts belong to supply points (customer codes), not meters: two meters of one code show the
same amount on their rows, and the account's total counts each code once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from ekesco_api.auth.sessions import LIVE_SESSION
from ekesco_api.bills.models import Bill
from ekesco_api.bills.service import NEWEST_FIRST
from ekesco_api.cis_import.models import ImportRun
from ekesco_api.clock import local_today
from ekesco_api.meters.errors import MeterNotFound
from ekesco_api.meters.models import Meter
from ekesco_api.meters.ownership import ACCOUNT_ID, METER_ID, listing_order, meters_select
from ekesco_api.payments.arrangement_models import DueArrangement
from ekesco_api.payments.arrangements import Installment, Standing, paid_from, schedule, standing
from ekesco_api.payments.ledger import imported_since, unconfirmed
from ekesco_api.security.guards import confirm_session
from ekesco_api.types import utcnow

ZERO = Decimal("0.00")


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made building
# the rows of GET /balance (two objects a meter) cost three times as much.


@dataclass(slots=True)
class LatestBill:
    id: int
    bill_number: str
    period: str
    issued_on: dt.date
    due_on: dt.date
    total: Decimal


@dataclass(slots=True)
class NextInstallment:
    number: int
    due_on: dt.date
    amount: Decimal
    left: Decimal  # what is still to pay of it


@dataclass(slots=True)
class ArrangementBalance:
    """An open arrangement of the supply point: what is due now under it, and the next part."""

    kind: str
    total: Decimal
    installments: int
    standing: Standing

    @property
    def paid(self) -> Decimal:
        return self.standing.paid

    @property
    def due_now(self) -> Decimal:
        return self.standing.due_now

    @property
    def next_installment(self) -> NextInstallment | None:
        upcoming: Installment | None = self.standing.next
        if upcoming is None:
            return None
        return NextInstallment(
            upcoming.number, upcoming.due_on, upcoming.amount, self.standing.next_left
        )


@dataclass(slots=True)
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
    arrangement: ArrangementBalance | None = None


@dataclass(slots=True)
class AccountBalance:
    amount_due: Decimal
    pending_payments: Decimal
    last_synced_at: dt.datetime | None
    as_of: dt.datetime
    meters: list[MeterBalance]


_latest = aliased(Bill, name="latest_bill")
_open = aliased(DueArrangement, name="open_arrangement")
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
    imported_since(Meter.supply_point_id, _latest.issued_on).label("paid_imported"),
    unconfirmed(Meter.supply_point_id).label("paid_pending"),
    select(func.max(ImportRun.finished_at)).scalar_subquery().label("last_synced_at"),
    # A payment agreement or a disputed bill (rare): NULL columns for every other row.
    _open.kind.label("arrangement_kind"),
    _open.total.label("arrangement_total"),
    _open.installments.label("arrangement_installments"),
    _open.first_due_on.label("arrangement_first_due_on"),
    # Summed only for a row that has one: the CASE spares the other rows the two subqueries.
    case((_open.id.is_not(None), paid_from(Meter.supply_point_id, _open.counted_from))).label(
        "arrangement_paid"
    ),
    # Whether the caller's session is live: the guard's look-up, without a round trip of its own.
    LIVE_SESSION,
)


_ALL_METERS = (
    meters_select(ACCOUNT_ID, *_BALANCE_COLUMNS, keys_only=True)
    .outerjoin(
        # The first condition is implied by the second; it lets PostgreSQL find the bill through
        # its supply point's index instead of hashing the whole bills table.
        _latest,
        and_(_latest.supply_point_id == Meter.supply_point_id, _latest.id == _LATEST_ID),
    )
    .outerjoin(
        _open, and_(_open.supply_point_id == Meter.supply_point_id, _open.closed_at.is_(None))
    )
)
_ONE_METER = _ALL_METERS.where(Meter.id == METER_ID)


class _Row(NamedTuple):
    """A row of `_ALL_METERS` by name: a SQLAlchemy Row's attributes cost ten times a named
    tuple's, and ten rows of twenty reads each were a twentieth of GET /balance."""

    id: int
    meter_number: str
    reading_mode: str
    supply_point_id: int
    customer_code: str
    nickname: str | None
    added_at: dt.datetime | None
    is_primary: bool
    # The latest bill's columns: all NULL together when the code has no bill yet.
    bill_id: int | None
    bill_number: Any
    bill_period: Any
    issued_on: Any
    due_on: Any
    bill_total: Any
    paid_imported: Decimal | None
    paid_pending: Decimal | None
    last_synced_at: dt.datetime | None
    arrangement_kind: str | None
    arrangement_total: Decimal | None
    arrangement_installments: int | None
    arrangement_first_due_on: dt.date | None
    arrangement_paid: Any
    session_live: Any


# Checked as the module loads, so that the statement and the tuple never drift apart.
if tuple(_ALL_METERS.selected_columns.keys()) != _Row._fields:  # pragma: no cover
    raise RuntimeError("balance._Row does not name the columns of balance._ALL_METERS")


def _rows(
    session: Session, account_id: int, meter_id: int | None, session_family: str | None
) -> list[_Row]:
    # Core execution on the session's connection: these rows are plain values, and skipping
    # the ORM's per-statement work is a tenth of GET /balance.
    connection = session.connection()
    params = {"account_id": account_id, "session_family": session_family}
    if meter_id is None:
        result = connection.execute(_ALL_METERS, params)
    else:
        result = connection.execute(_ONE_METER, {**params, "meter_id": meter_id})
    rows = [_Row._make(row) for row in result]
    if session_family is not None and rows:
        # Without a row the statement said nothing of it: the guard then looks it up itself.
        confirm_session(bool(rows[0].session_live))
    return rows


def _amounts(row: _Row) -> tuple[Decimal, Decimal]:
    """The amount due and the pending app payments of the row's supply point."""
    pending = row.paid_pending or ZERO
    if row.bill_id is None:
        return ZERO, pending
    return max(row.bill_total - (row.paid_imported or ZERO) - pending, ZERO), pending


def _meter_balance(row: _Row, as_of: dt.datetime) -> MeterBalance:
    latest = None
    if row.bill_id is not None:
        latest = LatestBill(
            row.bill_id, row.bill_number, row.bill_period, row.issued_on, row.due_on, row.bill_total
        )
    amount_due, pending = _amounts(row)
    arrangement = None
    if row.arrangement_kind is not None:
        arrangement = _arrangement(row, as_of)
    return MeterBalance(
        meter_id=row.id,
        meter_number=row.meter_number,
        customer_code=row.customer_code,
        nickname=row.nickname,
        reading_mode=row.reading_mode,
        is_primary=bool(row.is_primary),
        amount_due=amount_due,
        pending_payments=pending,
        latest_bill=latest,
        last_synced_at=row.last_synced_at,
        as_of=as_of,
        arrangement=arrangement,
    )


def _arrangement(row: _Row, as_of: dt.datetime) -> ArrangementBalance:
    assert row.arrangement_total is not None and row.arrangement_installments is not None
    assert row.arrangement_first_due_on is not None
    # SQLite sums in floating point: back to the cent (see payments.ledger).
    paid = Decimal(str(row.arrangement_paid or 0)).quantize(Decimal("0.01"))
    parts = schedule(
        row.arrangement_total, row.arrangement_installments, row.arrangement_first_due_on
    )
    return ArrangementBalance(
        kind=row.arrangement_kind or "",
        total=row.arrangement_total,
        installments=row.arrangement_installments,
        standing=standing(parts, paid, local_today(as_of)),
    )


def meter_balance(
    session: Session, *, account_id: int, meter_id: int, session_family: str | None = None
) -> MeterBalance:
    """The balance of one meter's supply point; `MeterNotFound` when it is not on the account.

    `session_family`: the caller's session, which the same statement finds live (or the token
    is refused: `security.guards.confirm_session`).
    """
    rows = _rows(session, account_id, meter_id, session_family)
    if not rows:
        raise MeterNotFound()
    return _meter_balance(rows[0], utcnow())


def account_balance(
    session: Session, *, account_id: int, session_family: str | None = None
) -> AccountBalance:
    """Every meter's balance and the sum over the account's supply points (one statement).

    `session_family`: as for `meter_balance`.
    """
    rows = listing_order(_rows(session, account_id, None, session_family))
    as_of = utcnow()
    meters = [_meter_balance(row, as_of) for row in rows]
    # Each supply point once, however many of its meters are on the account.
    per_supply_point = {
        row.supply_point_id: (meter.amount_due, meter.pending_payments)
        for row, meter in zip(rows, meters, strict=True)
    }
    return AccountBalance(
        amount_due=sum((due for due, _ in per_supply_point.values()), ZERO),
        pending_payments=sum((pending for _, pending in per_supply_point.values()), ZERO),
        last_synced_at=rows[0].last_synced_at if rows else _last_synced(session),
        as_of=as_of,
        meters=meters,
    )


def _last_synced(session: Session) -> dt.datetime | None:
    return session.execute(select(func.max(ImportRun.finished_at))).scalar_one_or_none()
