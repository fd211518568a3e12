"""Bills of the account's meters: the list with paid status, the detail with its lines, the PDF.

Bills belong to a supply point (customer code); a meter shows its supply point's bills, and a
bill is visible to the account holding that supply point (its registration's own, or one it
added), to nobody else: 404 otherwise.

Paid status. The CIS sends bills and payments, not which payment settled which bill, so the
status is derived, oldest bill first:
- The debt starts at the oldest known bill's `previous_balance`; each bill adds its own charges
  (`total - previous_balance`: energy, fixed fee, VAT).
- The money paid is every imported payment made on or after the oldest bill's issue date
  (local midnight, Europe/Belgrade; earlier payments are already in its previous balance), plus
  the app's succeeded payments that the CIS has not confirmed yet.
- That money settles the debt in order, oldest first. A bill is `paid` when the money covers
  everything up to and including its charges, `partially_paid` when it covers more than what
  came before it but not all of it, `unpaid` otherwise. A bill without charges of its own (a
  credit note) is `paid`.
When the CIS data are consistent (each bill's previous balance is the one before it less the
payments in between), the latest bill's status agrees with the balance: `amount_due` is zero
exactly when it is `paid`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.adapters.pdf_bill import BillDocument, MeterReads, render_bill_pdf
from ekesco_api.adapters.pdf_bill import BillLine as PdfLine
from ekesco_api.auth.sessions import LIVE_SESSION
from ekesco_api.bills.errors import BillNotFound
from ekesco_api.bills.models import Bill
from ekesco_api.clock import ZONE, period_bounds, period_start
from ekesco_api.i18n import _
from ekesco_api.masking import mask_holder, row_shown_unmasked
from ekesco_api.meters.errors import MeterNotFound
from ekesco_api.meters.models import Meter, SupplyPoint, address_of
from ekesco_api.meters.ownership import (
    ACCOUNT_ID,
    HOLDER_NAME_COLUMNS,
    METER_ID,
    account_supply_point_ids,
    owned_meter_ids,
)
from ekesco_api.meters.registers import reads_from
from ekesco_api.payments import ledger
from ekesco_api.payments.ledger import unconfirmed
from ekesco_api.security.guards import confirm_session
from ekesco_api.tariffs.errors import TariffNotFound
from ekesco_api.tariffs.models import Tariff
from ekesco_api.tariffs.service import compute_bill

ZERO = Decimal("0.00")
UNPAID, PARTIALLY_PAID, PAID = "unpaid", "partially_paid", "paid"

OLDEST_FIRST = (Bill.period, Bill.issued_on, Bill.id)
NEWEST_FIRST = tuple(column.desc() for column in OLDEST_FIRST)


# ---------------------------------------------------------------------------------------------
# Paid status


@dataclass(frozen=True, slots=True)
class Charge:
    """What the status rule needs of a bill."""

    id: int
    previous_balance: Decimal
    total: Decimal


def settled_oldest_first(bills: Iterable[Any], paid: Decimal) -> Iterator[tuple[Any, str]]:
    """Each bill (any row with `id`, `previous_balance` and `total`), taken oldest first, with
    its status when `paid` settles the debt oldest first (see the module). A generator, so a
    long history is judged as it is read."""
    debt_before: Decimal | None = None
    for bill in bills:
        if debt_before is None:
            debt_before = bill.previous_balance
        charges = bill.total - bill.previous_balance
        debt_after = debt_before + charges
        if charges <= 0 or paid >= debt_after:
            yield bill, PAID
        elif paid > debt_before:
            yield bill, PARTIALLY_PAID
        else:
            yield bill, UNPAID
        debt_before = debt_after


def bill_statuses(oldest_first: Sequence[Charge], paid: Decimal) -> dict[int, str]:
    """The status of each bill when `paid` settles the debt oldest first (see the module)."""
    return {bill.id: status for bill, status in settled_oldest_first(oldest_first, paid)}


def _statuses_for(session: Session, supply_point_id: int, bills: Iterable[Any]) -> dict[int, str]:
    """Statuses of a supply point's bills, given all of them (any order, any row shape)."""
    oldest_first = sorted(bills, key=lambda b: (b.period, b.issued_on, b.id))
    if not oldest_first:
        return {}
    paid = ledger.paid_since(
        session, supply_point_id=supply_point_id, since=oldest_first[0].issued_on
    )
    return bill_statuses(
        [Charge(b.id, b.previous_balance, b.total) for b in oldest_first], paid.total
    )


# ---------------------------------------------------------------------------------------------
# GET /meters/{id}/bills


# Not frozen, like the balance rows: two dozen of them a request, and a frozen dataclass sets
# each field through object.__setattr__.
@dataclass(slots=True)
class BillSummary:
    id: int
    bill_number: str
    period: str
    issued_on: dt.date
    due_on: dt.date
    kwh_high: Decimal
    kwh_low: Decimal
    total: Decimal
    status: str


_SUMMARY_COLUMNS = (
    Bill.id,
    Bill.bill_number,
    Bill.period,
    Bill.issued_on,
    Bill.due_on,
    Bill.kwh_high,
    Bill.kwh_low,
    Bill.previous_balance,
    Bill.total,
)


# The meter's supply point and its oldest bill's issue date depend only on the parameters:
# uncorrelated, so both databases work each out once per statement, not once per bill row.
_METER_SUPPLY_POINT = (
    select(Meter.supply_point_id).where(Meter.id == METER_ID).correlate(None).scalar_subquery()
)
_OLDEST_ISSUED_ON = (
    select(Bill.issued_on)
    .where(Bill.supply_point_id == _METER_SUPPLY_POINT)
    .order_by(*OLDEST_FIRST)
    .limit(1)
    .correlate(None)
    .scalar_subquery()
)
_METER_BILLS = (
    select(
        Meter.supply_point_id,
        *_SUMMARY_COLUMNS,
        ledger.imported_since(_METER_SUPPLY_POINT, _OLDEST_ISSUED_ON).label("paid_imported"),
        unconfirmed(_METER_SUPPLY_POINT).label("paid_pending"),
        # Whether the caller's session is live: the guard's look-up, without a round trip of
        # its own.
        LIVE_SESSION,
    )
    .select_from(Meter)
    .outerjoin(Bill, Bill.supply_point_id == Meter.supply_point_id)
    .where(Meter.id == METER_ID, Meter.id.in_(owned_meter_ids(ACCOUNT_ID)))
    .order_by(*NEWEST_FIRST)
)


def meter_bills(
    session: Session, *, account_id: int, meter_id: int, session_family: str | None = None
) -> list[BillSummary]:
    """Every bill of the meter's supply point, newest first, with its paid status.

    One statement whatever the number of bills or meters: the meter (checked to be on the
    account) outer-joined to all its bills, each row also carrying what was paid since the
    oldest one. All bills are read because the status of one depends on the ones before it;
    a supply point has twelve a year.

    `session_family`: the caller's session, which the same statement finds live (or the token
    is refused: `security.guards.confirm_session`).
    """
    parameters = {"account_id": account_id, "meter_id": meter_id, "session_family": session_family}
    rows = session.connection().execute(_METER_BILLS, parameters).all()
    if session_family is not None and rows:
        # Without a row the statement said nothing of it: the guard then looks it up itself.
        confirm_session(bool(rows[0].session_live))
    if not rows:
        raise MeterNotFound()
    bills = [row for row in rows if row.id is not None]
    paid = ledger.Paid(rows[0].paid_imported or ZERO, rows[0].paid_pending or ZERO).total
    statuses = bill_statuses(
        [Charge(b.id, b.previous_balance, b.total) for b in reversed(bills)], paid
    )
    return [
        BillSummary(
            id=b.id,
            bill_number=b.bill_number,
            period=b.period,
            issued_on=b.issued_on,
            due_on=b.due_on,
            kwh_high=b.kwh_high,
            kwh_low=b.kwh_low,
            total=b.total,
            status=statuses[b.id],
        )
        for b in bills
    ]


# ---------------------------------------------------------------------------------------------
# GET /bills/{id}


@dataclass(frozen=True, slots=True)
class Line:
    code: str
    label: str
    quantity: Decimal | None
    unit: str | None
    unit_price: Decimal | None
    amount: Decimal


# The summary and more, as BillDetailSchema extends BillSummarySchema (not frozen either: a
# frozen dataclass cannot extend one that is not).
@dataclass(slots=True)
class BillDetail(BillSummary):
    customer_code: str
    supply_point_id: int
    category: str
    holder_name: str
    address: str
    masked: bool
    lines: list[Line]
    payment_reference: str


def bill_lines(
    tariffs: Iterable[Tariff],
    *,
    category: str,
    period: str,
    kwh_high: Decimal,
    kwh_low: Decimal,
    energy_amount: Decimal,
    fixed_fee: Decimal,
    vat_amount: Decimal,
    previous_balance: Decimal,
    total: Decimal,
) -> list[Line]:
    """The lines of a CIS bill, adding up to its total to the cent.

    The tariff engine prices the bill's kWh with the tariff of its period; when its energy,
    fee and VAT are the CIS bill's to the cent, its lines (energy per tariff and block, with
    unit prices) are shown. Otherwise (an old tariff we do not hold, a correction) the CIS's
    own sums are shown as they are, the energy on one line without a unit price: we never
    print a price the supplier did not charge. Anything left over is one more line.
    """
    try:
        computed = compute_bill(
            tariffs,
            category=category,
            period_start=period_start(period),
            kwh_high=kwh_high,
            kwh_low=kwh_low,
            previous_balance=previous_balance,
        )
    except (TariffNotFound, ValueError):
        computed = None
    if computed is not None and (
        computed.energy_amount,
        computed.fixed_fee,
        computed.vat_amount,
    ) == (energy_amount, fixed_fee, vat_amount):
        lines = [
            Line(line.code, str(line.label), line.quantity, line.unit, line.unit_price, line.amount)
            for line in computed.lines
        ]
    else:
        lines = [
            Line("energy", _("Energy"), kwh_high + kwh_low, "kWh", None, energy_amount),
            Line("fixed_fee", _("Fixed monthly fee"), Decimal(1), "month", fixed_fee, fixed_fee),
            Line("vat", _("VAT"), None, None, None, vat_amount),
            Line("previous_balance", _("Previous balance"), None, None, None, previous_balance),
        ]
    rest = total - sum((line.amount for line in lines), ZERO)
    if rest:
        lines.append(Line("other", _("Other charges and corrections"), None, None, None, rest))
    return lines


def _bill_row(session: Session, *, account_id: int, bill_id: int) -> Any:
    row = session.execute(
        select(
            Bill,
            SupplyPoint.customer_code,
            SupplyPoint.category,
            SupplyPoint.street,
            SupplyPoint.neighbourhood,
            SupplyPoint.locality,
            SupplyPoint.city,
            (SupplyPoint.id == Account.supply_point_id).label("is_primary"),
            Account.name_matches_holder,
            *HOLDER_NAME_COLUMNS,
        )
        .join(SupplyPoint, SupplyPoint.id == Bill.supply_point_id)
        .join(Account, Account.id == account_id)
        .where(Bill.id == bill_id, Bill.supply_point_id.in_(account_supply_point_ids(account_id)))
    ).first()
    if row is None:
        raise BillNotFound()
    return row


def bill_detail(session: Session, *, account_id: int, bill_id: int) -> BillDetail:
    """A bill of the account with its lines.

    The holder is masked unless the account's name matches the holder of this bill's supply
    point, which for a code added with POST /meters is someone else than the account's own.
    """
    row = _bill_row(session, account_id=account_id, bill_id=bill_id)
    bill: Bill = row.Bill
    holder = mask_holder(
        f"{row.holder_first_name} {row.holder_last_name}",
        address_of(row.street, row.neighbourhood, row.locality, row.city),
        name_matches_holder=row_shown_unmasked(row),
    )
    siblings = session.execute(
        select(Bill.id, Bill.period, Bill.issued_on, Bill.previous_balance, Bill.total).where(
            Bill.supply_point_id == bill.supply_point_id
        )
    ).all()
    statuses = _statuses_for(session, bill.supply_point_id, siblings)
    tariffs = session.scalars(select(Tariff).where(Tariff.category == row.category)).all()
    return BillDetail(
        id=bill.id,
        bill_number=bill.bill_number,
        customer_code=row.customer_code,
        supply_point_id=bill.supply_point_id,
        category=row.category,
        period=bill.period,
        issued_on=bill.issued_on,
        due_on=bill.due_on,
        kwh_high=bill.kwh_high,
        kwh_low=bill.kwh_low,
        total=bill.total,
        status=statuses[bill.id],
        holder_name=holder.holder_name,
        address=holder.address,
        masked=holder.masked,
        lines=bill_lines(
            tariffs,
            category=row.category,
            period=bill.period,
            kwh_high=bill.kwh_high,
            kwh_low=bill.kwh_low,
            energy_amount=bill.energy_amount,
            fixed_fee=bill.fixed_fee,
            vat_amount=bill.vat_amount,
            previous_balance=bill.previous_balance,
            total=bill.total,
        ),
        # The bill number identifies the bill and its customer code at any bank.
        payment_reference=bill.bill_number,
    )


# ---------------------------------------------------------------------------------------------
# GET /bills/{id}/pdf


def _meter_reads(session: Session, *, supply_point_id: int, period: str) -> tuple[MeterReads, ...]:
    """Each remote meter's register reads at the start and the end of the bill's period."""
    start, end = period_bounds(period)
    meters = session.execute(
        select(Meter.id, Meter.meter_number, Meter.reading_mode, Meter.tariff_type)
        .where(Meter.supply_point_id == supply_point_id, Meter.reading_mode == "remote")
        .order_by(Meter.id)
    ).all()
    found: list[MeterReads] = []
    for meter in meters:
        # The read at the period's end is the midnight that closes it: it belongs to it.
        reads = [r for r in reads_from(session, meter_id=meter.id, start=start) if r.read_at <= end]
        if len(reads) < 2:
            continue  # nothing to show a difference between
        first, last = reads[0], reads[-1]
        dual = meter.tariff_type == "dual"
        found.append(
            MeterReads(
                meter_number=meter.meter_number,
                previous_high=first.kwh_high_total,
                current_high=last.kwh_high_total,
                previous_low=first.kwh_low_total if dual else None,
                current_low=last.kwh_low_total if dual else None,
                previous_read_on=first.read_at.astimezone(ZONE).date(),
                current_read_on=last.read_at.astimezone(ZONE).date(),
            )
        )
    return tuple(found)


def bill_pdf(
    session: Session, *, account_id: int, bill_id: int, language: str
) -> tuple[str, bytes]:
    """The printable bill, masked as the detail is; returns a file name and the PDF."""
    detail = bill_detail(session, account_id=account_id, bill_id=bill_id)
    document = BillDocument(
        bill_number=detail.bill_number,
        customer_code=detail.customer_code,
        holder_name=detail.holder_name,
        address=detail.address,
        masked=detail.masked,
        period=detail.period,
        issued_on=detail.issued_on,
        due_on=detail.due_on,
        meters=_meter_reads(session, supply_point_id=detail.supply_point_id, period=detail.period),
        lines=tuple(
            PdfLine(
                label=line.label,
                amount=line.amount,
                quantity=line.quantity,
                unit=line.unit or "",
                unit_price=line.unit_price,
                code=line.code,
            )
            for line in detail.lines
        ),
        total=detail.total,
        payment_reference=detail.payment_reference,
        meter_numbers=tuple(
            session.scalars(
                select(Meter.meter_number)
                .where(Meter.supply_point_id == detail.supply_point_id)
                .order_by(Meter.id)
            )
        ),
        kwh_high=detail.kwh_high,
        kwh_low=detail.kwh_low,
    )
    filename = f"bill-{''.join(ch for ch in detail.bill_number if ch.isalnum())}.pdf"
    return filename, render_bill_pdf(document, language=language)
