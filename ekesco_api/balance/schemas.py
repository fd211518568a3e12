"""Shape of GET /balance: the account's totals with one row per meter."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import marshmallow as ma

from ekesco_api.balance.service import AccountBalance, ArrangementBalance, MeterBalance
from ekesco_api.fields import Money, UtcDateTime
from ekesco_api.payments.arrangement_models import ARRANGEMENT_KINDS


class LatestBillSchema(ma.Schema):
    id = ma.fields.Integer()
    bill_number = ma.fields.String()
    period = ma.fields.String(metadata={"example": "2026-10"})
    issued_on = ma.fields.Date()
    due_on = ma.fields.Date()
    total = Money()


class NextInstallmentSchema(ma.Schema):
    number = ma.fields.Integer()
    due_on = ma.fields.Date()
    amount = Money()
    left = Money(metadata={"description": "What is still to pay of it."})


class ArrangementSchema(ma.Schema):
    kind = ma.fields.String(metadata={"enum": list(ARRANGEMENT_KINDS)})
    total = Money(metadata={"description": "The agreement's debt, or the undisputed amount."})
    installments = ma.fields.Integer()
    paid = Money(metadata={"description": "Paid towards it since it was made."})
    due_now = Money(metadata={"description": "Due by today under it and not paid yet."})
    next_installment = ma.fields.Nested(NextInstallmentSchema, allow_none=True)


class MeterBalanceSchema(ma.Schema):
    meter_id = ma.fields.Integer()
    meter_number = ma.fields.String()
    customer_code = ma.fields.String()
    nickname = ma.fields.String(allow_none=True)
    reading_mode = ma.fields.String(metadata={"enum": ["remote", "manual"]})
    is_primary = ma.fields.Boolean()
    amount_due = Money(
        metadata={"description": "Latest bill less payments since, incl. pending app payments."}
    )
    pending_payments = Money(
        metadata={"description": "App payments the supplier's system has not confirmed yet."}
    )
    latest_bill = ma.fields.Nested(LatestBillSchema, allow_none=True)
    last_synced_at = UtcDateTime(
        allow_none=True, metadata={"description": "When the supplier's data were last imported."}
    )
    as_of = UtcDateTime()
    arrangement = ma.fields.Nested(
        ArrangementSchema,
        allow_none=True,
        metadata={
            "description": "An open payment agreement or disputed bill (ERO rule Art. 16.1a, "
            "19.5): what is due now under it and the next installment; null without one."
        },
    )


class AccountBalanceSchema(ma.Schema):
    amount_due = Money(
        metadata={"description": "Sum over the account's customer codes, each counted once."}
    )
    pending_payments = Money(
        metadata={"description": "App payments the supplier's system has not confirmed yet."}
    )
    last_synced_at = UtcDateTime(
        allow_none=True, metadata={"description": "When the supplier's data were last imported."}
    )
    as_of = UtcDateTime()
    meters = ma.fields.List(
        ma.fields.Nested(MeterBalanceSchema),
        metadata={"description": "One row per meter, in the order of GET /meters."},
    )


# The lean serializer: GET /balance is the one screen every app start opens, so its answer is
# built by hand instead of field by field through marshmallow (a third of the request's time).
# The schemas above still document it, and a test checks that both give the same JSON.

_CENT = Decimal("0.01")


def _money(value: Decimal) -> str:
    return f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):.2f}"


def _instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dump_meter_balance(row: MeterBalance) -> dict[str, Any]:
    """What `MeterBalanceSchema().dump(row)` gives, without marshmallow."""
    return _meter(row, _instant(row.last_synced_at), _instant(row.as_of))


def dump_account_balance(balance: AccountBalance) -> dict[str, Any]:
    """What `AccountBalanceSchema().dump(balance)` gives, without marshmallow."""
    # Every row has the account's instants: format them once, not once a meter.
    last_synced_at, as_of = _instant(balance.last_synced_at), _instant(balance.as_of)
    return {
        "amount_due": _money(balance.amount_due),
        "pending_payments": _money(balance.pending_payments),
        "last_synced_at": last_synced_at,
        "as_of": as_of,
        "meters": [_meter(row, last_synced_at, as_of) for row in balance.meters],
    }


def _meter(row: MeterBalance, last_synced_at: str | None, as_of: str | None) -> dict[str, Any]:
    bill = row.latest_bill
    return {
        "meter_id": row.meter_id,
        "meter_number": row.meter_number,
        "customer_code": row.customer_code,
        "nickname": row.nickname,
        "reading_mode": row.reading_mode,
        "is_primary": row.is_primary,
        "amount_due": _money(row.amount_due),
        "pending_payments": _money(row.pending_payments),
        "latest_bill": None
        if bill is None
        else {
            "id": bill.id,
            "bill_number": bill.bill_number,
            "period": bill.period,
            "issued_on": bill.issued_on.isoformat(),
            "due_on": bill.due_on.isoformat(),
            "total": _money(bill.total),
        },
        "last_synced_at": last_synced_at,
        "as_of": as_of,
        "arrangement": None if row.arrangement is None else _arrangement(row.arrangement),
    }


def _arrangement(arrangement: ArrangementBalance | None) -> dict[str, Any] | None:
    if arrangement is None:
        return None
    upcoming = arrangement.next_installment
    return {
        "kind": arrangement.kind,
        "total": _money(arrangement.total),
        "installments": arrangement.installments,
        "paid": _money(arrangement.paid),
        "due_now": _money(arrangement.due_now),
        "next_installment": None
        if upcoming is None
        else {
            "number": upcoming.number,
            "due_on": upcoming.due_on.isoformat(),
            "amount": _money(upcoming.amount),
            "left": _money(upcoming.left),
        },
    }
