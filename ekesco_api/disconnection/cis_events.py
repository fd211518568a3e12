"""The CIS's disconnection events judged by the rule before they touch a case.

The import (cis_import.disconnections) reads `disconnections.csv` and asks an `EventBook`, read
once per file, to `judge` each row against its case's facts as they stand after the rows before
it, so a notice and the warning it needs may come in one file. An event the rule forbids is not
applied: the import reports it by file, line and article, and it is kept as a `RefusedEvent` for
staff. An event stored before is not applied again; one that comes back changed is refused, as
what happened does not change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.disconnection import cases, rules
from ekesco_api.disconnection.facts import case_facts
from ekesco_api.disconnection.models import DisconnectionCase, DisconnectionEvent, RefusedEvent
from ekesco_api.disconnection.rules import Facts, Refusal
from ekesco_api.types import utcnow

# What `judge` says of an event besides a `Refusal`.
REPEATED = "repeated"  # its id came earlier in this file: the import's duplicate check says so
KNOWN = "known"  # stored before, the same: nothing to do
CHANGED = "changed"  # stored before with other values: refused


@dataclass(frozen=True)
class CisEvent:
    event_id: str
    customer_code: str
    supply_point_id: int
    event: str
    at: dt.datetime
    amount_due: Decimal | None
    scheduled_for: dt.date | None
    facts: Facts | None = None  # the case's facts before it, once judged applicable


class EventBook:
    """What the file's rows are judged against, read once per file and kept up to date."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.now = utcnow()
        self.facts: dict[int, Facts] = {}
        self.seen: set[str] = set()
        self.refusals: list[tuple[CisEvent, Refusal]] = []

    def facts_of(self, supply_point_id: int) -> Facts:
        if supply_point_id not in self.facts:
            case = cases.open_case(self.session, supply_point_id)
            self.facts[supply_point_id] = case_facts(
                self.session, case, now=self.now, supply_point_id=supply_point_id
            )
        return self.facts[supply_point_id]

    def _stored(self, event_id: str) -> tuple[Any, ...] | None:
        """The event as applied before, if it was: one look-up by the unique index a row (a
        day's file holds thousands of events, the table years of them)."""
        row = self.session.execute(
            select(
                DisconnectionCase.supply_point_id,
                DisconnectionEvent.kind,
                DisconnectionEvent.at,
                DisconnectionEvent.amount_due,
                DisconnectionEvent.scheduled_for,
            )
            .join(DisconnectionCase)
            .where(DisconnectionEvent.event_id == event_id)
        ).one_or_none()
        return None if row is None else tuple(row)

    def judge(self, event: CisEvent) -> CisEvent | Refusal | str:
        """The event with its case's facts when it may be applied, else why not."""
        if event.event_id in self.seen:
            return REPEATED
        self.seen.add(event.event_id)
        fingerprint = (
            event.supply_point_id,
            event.event,
            event.at,
            event.amount_due,
            event.scheduled_for,
        )
        stored = self._stored(event.event_id)
        if stored is not None:
            return KNOWN if stored == fingerprint else CHANGED
        facts = self.facts_of(event.supply_point_id)
        refusal = rules.check(
            facts, event.event, event.at, now=self.now, scheduled_for=event.scheduled_for
        )
        if refusal is not None:
            self.refusals.append((event, refusal))
            return refusal
        self.facts[event.supply_point_id] = rules.apply(
            facts, event.event, event.at, scheduled_for=event.scheduled_for
        )
        return dataclasses.replace(event, facts=facts)


def apply_event(session: Session, book: EventBook, event: CisEvent) -> None:
    """Write an event `judge` let through, in file order."""
    assert event.facts is not None
    cases.record(
        session,
        case=cases.open_case(session, event.supply_point_id, lock=True),
        supply_point_id=event.supply_point_id,
        facts=event.facts,
        event=event.event,
        at=event.at,
        now=book.now,
        source="cis",
        event_id=event.event_id,
        amount_due=event.amount_due,
        scheduled_for=event.scheduled_for,
    )


def keep_refusals(session: Session, book: EventBook, applied: list[str]) -> None:
    """Keep the file's refused events for staff (once per event), and mark those applied now."""
    wanted = [*applied, *(event.event_id for event, _ in book.refusals)]
    stored = {
        r.event_id: r
        for r in session.scalars(select(RefusedEvent).where(RefusedEvent.event_id.in_(wanted)))
    }
    for event_id in applied:
        if event_id in stored:
            stored[event_id].applied_at = book.now
    for event, refusal in book.refusals:
        kept = stored.get(event.event_id)
        params = {"article": refusal.article or "-", **refusal.params}
        params = {key: str(value) for key, value in params.items()}
        if kept is None:
            session.add(
                RefusedEvent(
                    event_id=event.event_id,
                    customer_code=event.customer_code,
                    supply_point_id=event.supply_point_id,
                    event=event.event,
                    occurred_at=event.at,
                    code=refusal.code,
                    article=refusal.article,
                    params=params,
                    refused_at=book.now,
                )
            )
        elif (kept.code, kept.params) != (refusal.code, params):
            kept.code, kept.article, kept.params = refusal.code, refusal.article, params
            kept.refused_at = book.now
    session.flush()
