"""The regulator's report (Art. 29): every disconnection and reconnection in a period, with its
notices, their delivery, and which of the rule's deadlines were met."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ekesco_api.disconnection import deadlines as d
from ekesco_api.disconnection.facts import receipts
from ekesco_api.disconnection.models import DisconnectionCase, DisconnectionEvent
from ekesco_api.meters.models import SupplyPoint

COLUMNS = (
    "case_id",
    "customer_code",
    "category",
    "event",
    "at",
    "amount_due",
    "warned_at",
    "warning_sent_at",
    "warning_received_at",
    "warning_received_by",
    "warning_receipt_in_2_working_days",
    "notice_at",
    "notice_sent_at",
    "notice_received_at",
    "notice_received_by",
    "notice_receipt_in_2_working_days",
    "scheduled_for",
    "warning_period_met",
    "notice_3_days_met",
    "reconnection_reference",
    "reconnection_requested_at",
    "reconnection_due_by",
    "reconnection_on_time",
)


def _iso(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _notice(case: DisconnectionCase, found: dict, kind: str, since: dt.datetime | None) -> dict:
    notice = next(
        (
            n
            for n in reversed(case.notices)
            if n.kind == kind and since is not None and n.issued_at >= since
        ),
        None,
    )
    if notice is None:
        return {"sent": None, "received": None, "by": None, "in_time": None}
    received, by = found.get(notice.id, (None, None))
    return {
        "sent": notice.issued_at,
        "received": received,
        "by": by,
        "in_time": None if received is None else received <= notice.confirm_by,
    }


def report_rows(
    session: Session, *, since: dt.datetime, until: dt.datetime
) -> list[dict[str, str]]:
    """One row per disconnection or reconnection event in [since, until), oldest first."""
    events = session.execute(
        select(DisconnectionEvent, DisconnectionCase, SupplyPoint)
        .join(DisconnectionCase, DisconnectionCase.id == DisconnectionEvent.case_id)
        .join(SupplyPoint, SupplyPoint.id == DisconnectionCase.supply_point_id)
        .where(
            DisconnectionEvent.kind.in_(("disconnected", "reconnected")),
            DisconnectionEvent.at >= since,
            DisconnectionEvent.at < until,
        )
        .order_by(DisconnectionEvent.at, DisconnectionEvent.id)
        .options(selectinload(DisconnectionCase.notices))
    ).all()
    # One look at the inbox for every notice of the period, not one per row.
    cases = {case.id: case for _event, case, _point in events}
    found = receipts(session, [n for case in cases.values() for n in case.notices])
    rows = []
    for event, case, point in events:
        warning = _notice(case, found, "warning", case.warned_at)
        notice = _notice(case, found, "disconnection", case.notice_at)
        notice_met = None
        if case.disconnected_at is not None and notice["received"] is not None:
            notice_met = case.disconnected_at >= d.disconnection_from_notice(notice["received"])
        on_time = None
        if event.kind == "reconnected" and case.reconnection_due_by is not None:
            on_time = event.at <= case.reconnection_due_by
        values = {
            "case_id": case.id,
            "customer_code": point.customer_code,
            "category": point.category,
            "event": event.kind,
            "at": event.at,
            "amount_due": case.amount_due,
            "warned_at": case.warned_at,
            "warning_sent_at": warning["sent"],
            "warning_received_at": warning["received"],
            "warning_received_by": warning["by"],
            "warning_receipt_in_2_working_days": _yes_no(warning["in_time"]),
            "notice_at": case.notice_at,
            "notice_sent_at": notice["sent"],
            "notice_received_at": notice["received"],
            "notice_received_by": notice["by"],
            "notice_receipt_in_2_working_days": _yes_no(notice["in_time"]),
            "scheduled_for": case.scheduled_for,
            "warning_period_met": _yes_no(
                None if case.notice_at is None else case.notice_at >= d.pay_by(case.warned_at)
            ),
            "notice_3_days_met": _yes_no(notice_met),
            "reconnection_reference": case.reconnection_reference,
            "reconnection_requested_at": case.reconnection_requested_at,
            "reconnection_due_by": case.reconnection_due_by,
            "reconnection_on_time": _yes_no(on_time),
        }
        rows.append({name: _iso(values[name]) for name in COLUMNS})
    return rows


def as_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
