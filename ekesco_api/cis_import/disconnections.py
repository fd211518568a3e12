"""`disconnections.csv`: the CIS's disconnection events, each judged by the ERO rule
(disconnection.cis_events) before it is applied; a forbidden one is a bad row naming the article.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ekesco_api.cis_import import parsing as p
from ekesco_api.cis_import.codes import supply_point_ids, supply_point_of
from ekesco_api.cis_import.engine import NaturalKey, Row, Rows
from ekesco_api.cis_import.parsing import BadValue
from ekesco_api.cis_import.report import FileReport
from ekesco_api.disconnection import cis_events
from ekesco_api.disconnection.cis_events import CHANGED, KNOWN, REPEATED, CisEvent, EventBook
from ekesco_api.disconnection.rules import CIS_EVENTS, Refusal

COLUMNS = ("event_id", "customer_code", "event", "occurred_at", "amount_due", "scheduled_for")
KEY = NaturalKey(("event_id",), "event_id")


@dataclass(frozen=True)
class Lookups:
    """What the rows are read against: the known codes, and the rule's book of cases."""

    codes: dict[str, int]
    book: EventBook


def lookups(session: Session) -> Lookups:
    return Lookups(supply_point_ids(session), EventBook(session))


def _amount(row: Row, event: str) -> Decimal | None:
    if event == "warning":  # a warning is for an amount (contract)
        amount = p.money(row, "amount_due")
        if amount <= 0:
            raise BadValue("out_of_range", field="amount_due", value=row["amount_due"])
        return amount
    return p.money(row, "amount_due") if row["amount_due"] else None


def event_values(row: Row, found: Lookups) -> dict[str, Any]:
    supply_point_id = supply_point_of(found.codes, row)
    kind = p.choice(row, "event", CIS_EVENTS)
    event = CisEvent(
        event_id=p.text(row, "event_id", 64),
        customer_code=p.text(row, "customer_code", 32),
        supply_point_id=supply_point_id,
        event=kind,
        at=p.timestamp(row, "occurred_at"),
        amount_due=_amount(row, kind),
        scheduled_for=p.date(row, "scheduled_for") if kind == "notice" else None,
    )
    verdict = found.book.judge(event)
    if isinstance(verdict, Refusal):
        raise BadValue(verdict.code, article=verdict.article or "-", **verdict.params)
    if verdict == CHANGED:
        raise BadValue("ero_event_changed", value=event.event_id)
    return {
        "event_id": event.event_id,
        "event": verdict if verdict not in (REPEATED, KNOWN) else None,
    }


def write(session: Session, _key: NaturalKey, rows: Rows, report: FileReport) -> None:
    """Apply the accepted events in file order, then keep the refused ones for staff."""
    book: EventBook = rows.lookups.book
    applied = []
    for _natural, values in rows:
        event = values["event"]
        if event is None:
            report.unchanged += 1
            continue
        cis_events.apply_event(session, book, event)
        applied.append(event.event_id)
        report.inserted += 1
    cis_events.keep_refusals(session, book, applied)
