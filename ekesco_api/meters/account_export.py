"""The account's meters in its data export, as GET /meters shows them (addresses masked alike)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from ekesco_api.accounts.export import ExportContext, section
from ekesco_api.meters.service import list_meters


@section("meters", order=20)
def meters(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    # Ten at most: one statement, read whole.
    for meter in list_meters(session, account_id=context.account_id, language=context.language):
        yield {
            "id": meter.id,
            "customer_code": meter.customer_code,
            "meter_number": meter.meter_number,
            "nickname": meter.nickname,
            "reading_mode": meter.reading_mode,
            "category": meter.category,
            "tariff_type": meter.tariff_type,
            "address": meter.address,
            "area": meter.area.name if meter.area else None,
            "registered_with": meter.is_primary,
        }
