"""The files of the CIS export, one `Loader` each, in the order they load: what a row says.

A row function reads a row into the values stored (or refuses it with `BadValue`); the table
`LOADERS` at the end says, per file, its columns, its natural key and how it is written.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Integer, Table, func, insert, or_, select, update
from sqlalchemy.orm import Session

from ekesco_api.bills import notices as bill_notices
from ekesco_api.bills.models import Bill
from ekesco_api.cis_import import disconnections
from ekesco_api.cis_import import parsing as p
from ekesco_api.cis_import.areas import AreaTree, address_path, path_key
from ekesco_api.cis_import.codes import supply_point_ids, supply_point_of
from ekesco_api.cis_import.engine import Loader, NaturalKey, Row, Values
from ekesco_api.cis_import.holder_names import rematch_holder_names
from ekesco_api.cis_import.parsing import BadValue
from ekesco_api.cis_import.report import FileReport
from ekesco_api.cis_import.upsert import Staged, Upsert
from ekesco_api.clock import local_date
from ekesco_api.keys import identifier_key
from ekesco_api.meters.models import (
    CATEGORIES,
    READING_MODES,
    TARIFF_TYPES,
    Meter,
    Reading,
    SupplyPoint,
)
from ekesco_api.payments.models import CisPayment

CUSTOMER_COLUMNS = (
    "customer_code",
    "first_name",
    "last_name",
    "personal_number",
    "street",
    "city",
    "locality",
    "neighbourhood",
    "category",
)
METER_COLUMNS = ("meter_number", "customer_code", "reading_mode", "tariff_type")
BILL_COLUMNS = (
    "bill_number",
    "customer_code",
    "period",
    "issued_on",
    "due_on",
    "kwh_high",
    "kwh_low",
    "energy_amount",
    "fixed_fee",
    "vat_amount",
    "previous_balance",
    "total",
)
PAYMENT_COLUMNS = ("reference", "customer_code", "amount", "paid_at", "channel")
READING_COLUMNS = ("meter_number", "read_at", "kwh_high_total", "kwh_low_total")
AREA_COLUMNS = ("city", "locality", "neighbourhood")
AREA_OPTIONAL_COLUMNS = ("name_sr", "name_en")


def _identifier(row: Row, field: str) -> tuple[str, str]:
    """A customer code or meter number as written, and the key it is matched on."""
    written = p.text(row, field, 32)
    key = identifier_key(written)
    if not key:
        raise BadValue("required", field=field)
    return written, key


# --- areas.csv -------------------------------------------------------------------------------


def _area(row: Row, _lookups: None) -> Values:
    """A node named by its path in city/locality/neighbourhood; name_sr, name_en translate it."""
    city = p.text(row, "city", 120)
    locality = p.text(row, "locality", 120, required=False)
    neighbourhood = p.text(row, "neighbourhood", 120, required=False)
    if neighbourhood and not locality:
        raise BadValue("neighbourhood_without_locality")
    path = tuple(part for part in (city, locality, neighbourhood) if part)
    return {
        "path_key": path_key(path),
        "path": path,
        "name_sr": p.text(row, "name_sr", 120, required=False) or None,
        "name_en": p.text(row, "name_en", 120, required=False) or None,
    }


def _area_shown(_row: Row, values: Values) -> str:
    return " / ".join(values["path"])


def _name_areas(
    session: Session, _key: NaturalKey, rows: Iterable[tuple[Hashable, Values]], report: FileReport
) -> None:
    """Name the nodes, creating them and their missing ancestors under the row's names.

    Not an `Upsert`: a node needs its parent's id, so the tree is written through the ORM,
    parents first; the deepest non-empty column names the node in Albanian.
    """
    tree = AreaTree(session)
    for key, values in sorted(rows, key=lambda row: len(row[1]["path"])):
        path, name_sr, name_en = values["path"], values["name_sr"], values["name_en"]
        existed = key in tree.by_key
        before = tree.inserted
        area = tree.ensure(path)
        new_values = (path[-1], name_sr, name_en)
        if not existed:
            area.name_sr, area.name_en = name_sr, name_en
            report.inserted += 1
            report.areas_inserted += tree.inserted - before - 1
        elif (area.name, area.name_sr, area.name_en) == new_values:
            report.unchanged += 1
        else:
            area.name, area.name_sr, area.name_en = new_values
            report.updated += 1
        session.flush()


# --- customers.csv ---------------------------------------------------------------------------


def _customer(row: Row, _lookups: None) -> Values:
    code, key = _identifier(row, "customer_code")
    return {
        "customer_code": code,
        "code_key": key,
        "first_name": p.text(row, "first_name", 120),
        "last_name": p.text(row, "last_name", 120),
        "personal_number": p.personal_number(row, "personal_number"),
        "street": p.text(row, "street", 200, required=False),
        "city": p.text(row, "city", 120),
        "locality": p.text(row, "locality", 120),
        "neighbourhood": p.text(row, "neighbourhood", 120, required=False),
        "category": p.choice(row, "category", CATEGORIES),
    }


def _file_under_areas(session: Session, staged: Staged, report: FileReport) -> None:
    """Each supply point hangs on its address's neighbourhood (or locality), created if new.

    Set-based: the file's distinct addresses are few (hundreds) however many customers it has.
    """
    stage, connection = staged.stage, session.connection()
    address = (stage.c.city, stage.c.locality, stage.c.neighbourhood)
    addresses = connection.execute(select(*address, func.count()).group_by(*address)).all()
    tree = AreaTree(session)
    paths = {
        (city, locality, nb): address_path(city, locality, nb)
        for city, locality, nb, _ in addresses
    }
    area_ids = tree.ensure_all({paths[a[:3]]: a[3] for a in addresses})
    report.areas_inserted = tree.inserted
    filed = Table(
        "cis_stage_addresses",
        stage.metadata,
        *(Column(column.name, column.type) for column in (*address, stage.c.area_id)),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    filed.create(connection)
    rows = [
        {
            "city": city,
            "locality": locality,
            "neighbourhood": nb,
            "area_id": area_ids[path_key(path)],
        }
        for (city, locality, nb), path in paths.items()
    ]
    if rows:
        connection.execute(insert(filed), rows)
    connection.execute(
        update(stage)
        .where(*(stage.c[name] == filed.c[name] for name in ("city", "locality", "neighbourhood")))
        .values(area_id=filed.c.area_id)
    )
    filed.drop(connection)


def _renamed_holders(stage: Table) -> Table:
    """The supply points whose holder this customers file renames: found before the merge."""
    known = stage.metadata.tables.get("cis_renamed_holders")
    if known is not None:
        return known
    return Table(
        "cis_renamed_holders",
        stage.metadata,
        Column("id", Integer),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )


def _before_customers(session: Session, staged: Staged, report: FileReport) -> None:
    _file_under_areas(session, staged, report)
    target, stage, connection = staged.target, staged.stage, session.connection()
    renamed = _renamed_holders(stage)
    renamed.create(connection)
    names = ("first_name", "last_name")
    connection.execute(
        insert(renamed).from_select(
            ["id"],
            select(target.c.id).where(
                staged.matches(),
                or_(*(target.c[name].is_distinct_from(stage.c[name]) for name in names)),
            ),
        )
    )


def _recheck_holder_names(session: Session, staged: Staged) -> None:
    # Registration compared the account's name with the holder's once; a new holder name
    # would otherwise leave names masked or, worse, shown.
    renamed, connection = _renamed_holders(staged.stage), session.connection()
    rematch_holder_names(session, connection.execute(select(renamed.c.id)).scalars().all())
    renamed.drop(connection)


# --- meters.csv ------------------------------------------------------------------------------


def _meter(row: Row, codes: dict[str, int]) -> Values:
    number, key = _identifier(row, "meter_number")
    return {
        "meter_number": number,
        "number_key": key,
        "supply_point_id": supply_point_of(codes, row),
        "reading_mode": p.choice(row, "reading_mode", READING_MODES),
        "tariff_type": p.choice(row, "tariff_type", TARIFF_TYPES),
    }


# --- bills.csv -------------------------------------------------------------------------------

_BILL_PARTS = ("energy_amount", "fixed_fee", "vat_amount", "previous_balance")


def _bill(row: Row, codes: dict[str, int]) -> Values:
    values: Values = {
        "bill_number": p.text(row, "bill_number", 40),
        "supply_point_id": supply_point_of(codes, row),
        "period": p.period(row, "period"),
        "issued_on": p.date(row, "issued_on"),
        "due_on": p.date(row, "due_on"),
        "kwh_high": p.decimal(row, "kwh_high", places=2, digits=12),
        "kwh_low": p.decimal(row, "kwh_low", places=2, digits=12),
        "energy_amount": p.money(row, "energy_amount"),
        "fixed_fee": p.money(row, "fixed_fee"),
        "vat_amount": p.money(row, "vat_amount"),
        "previous_balance": p.money(row, "previous_balance", signed=True),
        "total": p.money(row, "total", signed=True),
    }
    if values["due_on"] < values["issued_on"]:
        raise BadValue("due_before_issue", due_on=row["due_on"], issued_on=row["issued_on"])
    expected = sum((values[name] for name in _BILL_PARTS), Decimal("0.00"))
    if expected != values["total"]:
        raise BadValue(
            "bill_does_not_add_up",
            expected=expected,
            **{name: row[name] for name in (*_BILL_PARTS, "total")},
        )
    return values


def _notice_new_bills(session: Session, staged: Staged) -> None:
    # One INSERT … SELECT for the whole file: each new bill's account is to hear of it
    # (bills.notices; `ekesco bill-reminders` sends what is queued).
    changed = staged.changed
    bill_notices.queue_new_bills(
        session, bill_ids=select(changed.c.id).where(changed.c.inserted.is_(True))
    )


# --- payments.csv ----------------------------------------------------------------------------


def _payment(row: Row, codes: dict[str, int]) -> Values:
    reference = p.text(row, "reference", 64)
    paid_at = p.timestamp(row, "paid_at")
    values = {
        "reference": reference,
        "supply_point_id": supply_point_of(codes, row),
        "amount": p.money(row, "amount"),
        "paid_at": paid_at,
        # Follows `paid_at` (see CisPayment): the bulk writes bypass the model that sets it.
        "paid_on": local_date(paid_at),
        "channel": p.text(row, "channel", 32).lower(),
    }
    if values["amount"] == 0:
        raise BadValue("out_of_range", field="amount", value=row["amount"])
    return values


# --- readings.csv ----------------------------------------------------------------------------


def _meter_ids(session: Session) -> dict[str, int]:
    rows = session.connection().execute(select(Meter.number_key, Meter.id))
    return {number_key: meter_id for number_key, meter_id in rows}


def _reading(row: Row, meters: dict[str, int]) -> Values:
    number = p.text(row, "meter_number", 32)
    meter_id = meters.get(identifier_key(number))
    if meter_id is None:
        raise BadValue("unknown_meter_number", value=number)
    return {
        "meter_id": meter_id,
        "read_at": p.timestamp(row, "read_at"),
        "kwh_high_total": p.decimal(row, "kwh_high_total", places=3, digits=14),
        "kwh_low_total": p.decimal(row, "kwh_low_total", places=3, digits=14),
    }


def _reading_shown(row: Row, values: Values) -> str:
    return f"{row['meter_number']} {values['read_at'].isoformat()}"


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


LOADERS: tuple[Loader, ...] = (
    Loader(
        "areas.csv",
        AREA_COLUMNS,
        optional_columns=AREA_OPTIONAL_COLUMNS,
        key=NaturalKey(("path_key",), "area", shown=_area_shown),
        values=_area,
        write=_name_areas,
    ),
    Loader(
        "customers.csv",
        CUSTOMER_COLUMNS,
        key=NaturalKey(("code_key",), "customer_code"),
        values=_customer,
        write=Upsert(
            _table(SupplyPoint),
            compared=(*CUSTOMER_COLUMNS, "area_id"),
            before=_before_customers,
            after=_recheck_holder_names,
        ),
    ),
    Loader(
        "meters.csv",
        METER_COLUMNS,
        key=NaturalKey(("number_key",), "meter_number"),
        lookups=supply_point_ids,
        values=_meter,
        write=Upsert(
            _table(Meter),
            compared=("meter_number", "supply_point_id", "reading_mode", "tariff_type"),
        ),
    ),
    Loader(
        "bills.csv",
        BILL_COLUMNS,
        key=NaturalKey(("bill_number",), "bill_number"),
        lookups=supply_point_ids,
        values=_bill,
        write=Upsert(
            _table(Bill),
            compared=(
                "supply_point_id",
                "period",
                "issued_on",
                "due_on",
                "kwh_high",
                "kwh_low",
                *_BILL_PARTS,
                "total",
            ),
            after=_notice_new_bills,
        ),
    ),
    Loader(
        "payments.csv",
        PAYMENT_COLUMNS,
        key=NaturalKey(("reference",), "reference"),
        lookups=supply_point_ids,
        values=_payment,
        write=Upsert(
            _table(CisPayment),
            compared=("supply_point_id", "amount", "paid_at", "paid_on", "channel"),
        ),
    ),
    Loader(
        "readings.csv",
        READING_COLUMNS,
        # The same instant written in another zone is the same read.
        key=NaturalKey(("meter_id", "read_at"), "reading", shown=_reading_shown),
        lookups=_meter_ids,
        values=_reading,
        write=Upsert(
            _table(Reading),
            compared=("kwh_high_total", "kwh_low_total"),
        ),
    ),
    # Last: the ERO rule weighs the payments and bills loaded above.
    Loader(
        "disconnections.csv",
        disconnections.COLUMNS,
        key=disconnections.KEY,
        lookups=disconnections.lookups,
        values=disconnections.event_values,
        write=disconnections.write,
    ),
)
