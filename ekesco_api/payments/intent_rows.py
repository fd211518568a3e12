"""A new payment's rows, and the Core statements, built once, that write them.

`payments.intents` draws the payment's id first (`next_payment_id`), so the row goes in whole,
with the address of the bank's page that names the id, and is never updated; `write` then puts
in the payment, its items and the idempotency key with the answer (one statement on PostgreSQL).
The ORM's unit of work cost more than the statements it sent: its two flushes were three
fifths of a payment's time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Connection, Integer, Table, bindparam, func, insert, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import ARRAY

from ekesco_api.payments.models import STATUS_PENDING, IdempotencyKey, Payment, PaymentItem

CURRENCY = "EUR"
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class NewItem:
    """What a new payment pays on one customer code: its row, and its part of the answer."""

    position: int
    meter_id: int | None
    supply_point_id: int
    meter_number: str | None
    customer_code: str
    bill_number: str | None
    amount: Decimal


@dataclass(slots=True)
class NewPayment:
    """A pending payment about to be written, its id already drawn.

    It has every attribute `PaymentSchema` reads, so the answer is dumped from it as it would
    be from the stored `Payment`.
    """

    id: int
    account_id: int | None
    amount: Decimal
    created_at: dt.datetime
    items: list[NewItem]
    payer_email: str | None = None
    payer_language: str | None = None
    redirect_url: str = ""
    status: str = STATUS_PENDING
    commission: Decimal = ZERO  # customers pay no commission (KESCO FAQ)
    currency: str = CURRENCY
    bank_reference: str | None = None
    completed_at: dt.datetime | None = None


# Built once: constructing a statement per request costs more than running it. `inline()`:
# no RETURNING of the new ids, which are known (the payment's) or never read (the others').
_PAYMENTS = cast(Table, Payment.__table__)
_ITEMS = cast(Table, PaymentItem.__table__)
_KEYS = cast(Table, IdempotencyKey.__table__)
_INSERT_PAYMENT = insert(_PAYMENTS).inline()
_INSERT_ITEMS = insert(_ITEMS).inline()
_INSERT_KEY = insert(_KEYS).inline()

# On PostgreSQL the three go in one statement, the payment's and its items' INSERTs in the WITH
# clause of the key's: two statements and round trips fewer. The items come as one array per
# column (unnest), so one statement serves any number of them. SQLite takes no INSERT inside
# WITH, so there they are three statements.
_PAYMENT_COLUMNS = (
    "id", "account_id", "status", "amount", "commission", "currency", "redirect_url",
    "created_at", "payer_email", "payer_language",
)  # fmt: skip
_ITEM_COLUMNS = (
    "position", "meter_id", "supply_point_id", "meter_number", "customer_code", "bill_number",
    "amount",
)  # fmt: skip
_KEY_COLUMNS = (
    "account_id", "key", "request_hash", "payment_id", "response_status", "response_body",
    "created_at",
)  # fmt: skip


def _column_type(table: Table, name: str) -> Any:
    # Integer spelled out for ids: a foreign key's column has no type of its own until its
    # target's table is known.
    return Integer() if name.endswith("id") else table.c[name].type


def _values(table: Table, columns: tuple[str, ...], prefix: str) -> dict[str, Any]:
    return {name: bindparam(prefix + name, type_=_column_type(table, name)) for name in columns}


_ITEM_VALUES = (
    func.unnest(
        *(
            bindparam("item_" + name, type_=ARRAY(_column_type(_ITEMS, name)))
            for name in _ITEM_COLUMNS
        )
    )
    .table_valued(*_ITEM_COLUMNS)
    .render_derived()
)
_INSERT_ALL = (
    insert(_KEYS)
    .values(_values(_KEYS, _KEY_COLUMNS, "key_"))
    .add_cte(
        insert(_PAYMENTS).values(_values(_PAYMENTS, _PAYMENT_COLUMNS, "payment_")).cte("payment"),
        insert(_ITEMS)
        .from_select(
            ["payment_id", *_ITEM_COLUMNS],
            select(bindparam("payment_id", type_=Integer()), *_ITEM_VALUES.c),
        )
        .cte("items"),
    )
    .inline()
)


def write(connection: Connection, payment: NewPayment, key: dict[str, Any]) -> None:
    """The payment, its items, and the key with the answer (`_INSERT_ALL`)."""
    row, items = _payment_row(payment), _item_rows(payment)
    if connection.dialect.name != "postgresql":
        connection.execute(_INSERT_PAYMENT, row)
        connection.execute(_INSERT_ITEMS, items)
        connection.execute(_INSERT_KEY, key)
        return
    parameters = {f"payment_{name}": value for name, value in row.items()}
    parameters.update({f"item_{name}": [item[name] for item in items] for name in _ITEM_COLUMNS})
    parameters.update({f"key_{name}": value for name, value in key.items()})
    connection.execute(_INSERT_ALL, parameters)


def _payment_row(payment: NewPayment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "account_id": payment.account_id,
        "status": payment.status,
        "amount": payment.amount,
        "commission": payment.commission,
        "currency": payment.currency,
        "redirect_url": payment.redirect_url,
        "created_at": payment.created_at,
        "payer_email": payment.payer_email,
        "payer_language": payment.payer_language,
    }


def _item_rows(payment: NewPayment) -> list[dict[str, Any]]:
    return [
        {
            "payment_id": payment.id,
            "position": item.position,
            "meter_id": item.meter_id,
            "supply_point_id": item.supply_point_id,
            "meter_number": item.meter_number,
            "customer_code": item.customer_code,
            "bill_number": item.bill_number,
            "amount": item.amount,
        }
        for item in payment.items
    ]


class next_payment_id(FunctionElement[int]):
    """The id the next payment gets, drawn before its row is written.

    PostgreSQL draws it from the column's own sequence, so concurrent payments never share
    one and the row's default would have drawn the same way. SQLite has no sequence: it
    numbers a row max(id) + 1 itself, and nobody else inserts meanwhile, since a write holds
    the database's one writer lock from its BEGIN IMMEDIATE to its end (`db.configure_sqlite`).
    """

    type = Integer()
    inherit_cache = True


@compiles(next_payment_id)
def _max_id_plus_one(_element: Any, _compiler: SQLCompiler, **_kw: Any) -> str:
    return "(SELECT coalesce(max(id), 0) + 1 FROM payments)"


@compiles(next_payment_id, "postgresql")
def _nextval(_element: Any, _compiler: SQLCompiler, **_kw: Any) -> str:
    # A subquery, evaluated once per statement: nextval() itself would draw once per row.
    return "(SELECT nextval('payments_id_seq'))"


NEXT_PAYMENT_ID = select(next_payment_id())
