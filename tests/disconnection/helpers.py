"""Disconnection cases as the tests drive them: CIS events applied or imported, notices received."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.disconnection.cis_events import CisEvent, EventBook, apply_event, keep_refusals
from ekesco_api.disconnection.models import DisconnectionCase, DisconnectionNotice
from ekesco_api.disconnection.rules import Refusal
from ekesco_api.types import utcnow

HEADER = "event_id,customer_code,event,occurred_at,amount_due,scheduled_for\n"
_runs = iter(range(1, 1_000_000))


def ago(days: float) -> dt.datetime:
    """An instant `days` before now, to the second."""
    return (utcnow() - dt.timedelta(days=days)).replace(microsecond=0)


def row(
    event_id: str,
    code: str,
    event: str,
    at: dt.datetime,
    amount: str = "",
    scheduled_for: dt.date | None = None,
) -> str:
    day = scheduled_for.isoformat() if scheduled_for else ""
    return f"{event_id},{code},{event},{at.isoformat()},{amount},{day}\n"


def import_events(session: Session, tmp_path: Path, rows: Sequence[str]) -> Any:
    """Import a disconnections.csv of `rows` (each from `row`) in a directory of its own."""
    from ekesco_api.cis_import.service import import_directory

    directory = tmp_path / f"run{next(_runs)}"
    directory.mkdir()
    (directory / "disconnections.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    return import_directory(session, directory)


def the_case(session: Session, supply_point_id: int) -> DisconnectionCase:
    case = session.scalars(
        select(DisconnectionCase)
        .where(DisconnectionCase.supply_point_id == supply_point_id)
        .order_by(DisconnectionCase.id.desc())
    ).first()
    assert case is not None
    return case


def notice_of(session: Session, case: DisconnectionCase, kind: str) -> DisconnectionNotice:
    notice = session.scalars(
        select(DisconnectionNotice)
        .where(DisconnectionNotice.case_id == case.id, DisconnectionNotice.kind == kind)
        .order_by(DisconnectionNotice.id.desc())
    ).first()
    assert notice is not None
    return notice


def receive(session: Session, case: DisconnectionCase, kind: str, at: dt.datetime) -> None:
    """Record that the customer received the case's latest notice of `kind` at `at`."""
    notice = notice_of(session, case, kind)
    notice.received_at, notice.received_by = at, "phone"
    session.commit()


class Scenario:
    """One supply point's case moved along by CIS events dated in the past."""

    def __init__(
        self, session: Session, code: str, supply_point_id: int, start: float = 60
    ) -> None:
        self.session = session
        self.code, self.supply_point_id = code, supply_point_id
        self.t0 = ago(start)
        self.n = 0

    def at(self, days: float) -> dt.datetime:
        return self.t0 + dt.timedelta(days=days)

    def event(
        self, event: str, days: float, amount: str = "", scheduled_for: dt.date | None = None
    ) -> Refusal | None:
        """A CIS event as the import applies it (without the CSV): its refusal, if any."""
        self.n += 1
        book = EventBook(self.session)
        judged = book.judge(
            CisEvent(
                event_id=f"E-{self.code}-{self.n}",
                customer_code=self.code,
                supply_point_id=self.supply_point_id,
                event=event,
                at=self.at(days),
                amount_due=Decimal(amount) if amount else None,
                scheduled_for=scheduled_for,
            )
        )
        applied = []
        if isinstance(judged, CisEvent):
            apply_event(self.session, book, judged)
            applied.append(judged.event_id)
        keep_refusals(self.session, book, applied)
        self.session.commit()
        return judged if isinstance(judged, Refusal) else None

    @property
    def case(self) -> DisconnectionCase:
        return the_case(self.session, self.supply_point_id)

    def warned(self, amount: str = "120.00") -> Scenario:
        assert self.event("warning", 0, amount) is None
        receive(self.session, self.case, "warning", self.at(0.1))
        return self

    def noticed(self) -> Scenario:
        assert self.event("notice", 17, scheduled_for=self.at(21).date()) is None
        receive(self.session, self.case, "disconnection", self.at(17.1))
        return self

    def disconnected(self) -> Scenario:
        assert self.event("disconnected", 22) is None
        return self
