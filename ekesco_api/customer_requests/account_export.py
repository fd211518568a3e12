"""The account's requests and complaints in its data export, newest first, each with its history.

One statement joins each request to its history lines, read in chunks: an account that filed
for years costs the export no more memory than one that filed once. Who at KESCO acted is the
supplier's record, not the customer's data, and stays out.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.accounts.export import ExportContext, records, section
from ekesco_api.customer_requests.models import CustomerRequest, RequestEvent
from ekesco_api.meters.models import Meter
from ekesco_api.meters.ownership import ACCOUNT_ID

_REQUESTS = (
    select(
        CustomerRequest.id,
        CustomerRequest.reference,
        CustomerRequest.kind,
        CustomerRequest.topic,
        CustomerRequest.meter_id,
        Meter.meter_number,
        CustomerRequest.customer_code,
        CustomerRequest.description,
        CustomerRequest.status,
        CustomerRequest.created_at,
        CustomerRequest.updated_at,
        RequestEvent.status.label("event_status"),
        RequestEvent.at.label("event_at"),
        RequestEvent.note.label("event_note"),
    )
    # Every request has a history line from its filing on.
    .join(RequestEvent, RequestEvent.request_id == CustomerRequest.id)
    .outerjoin(Meter, Meter.id == CustomerRequest.meter_id)
    .where(CustomerRequest.account_id == ACCOUNT_ID)
    .order_by(CustomerRequest.id.desc(), RequestEvent.id)
)
_HISTORY = ("event_status", "event_at", "event_note")


@section("requests", order=50)
def requests(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    rows = records(session, _REQUESTS, {"account_id": context.account_id})
    for _request_id, lines in groupby(rows, key=lambda row: row["id"]):
        history = list(lines)
        request = {k: v for k, v in history[0].items() if k != "id" and k not in _HISTORY}
        request["history"] = [
            {"status": line["event_status"], "at": line["event_at"], "note": line["event_note"]}
            for line in history
        ]
        yield request
