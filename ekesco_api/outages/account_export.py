"""The areas an account follows for outage news, in its data export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.accounts.export import ExportContext, section
from ekesco_api.areas.models import Area, name_in
from ekesco_api.outages.models import AreaSubscription


@section("subscriptions", order=70)
def subscriptions(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    rows = session.execute(
        select(Area.id, Area.level, Area.name, Area.name_sr, Area.name_en)
        .join(AreaSubscription, AreaSubscription.area_id == Area.id)
        .where(AreaSubscription.account_id == context.account_id)
        .order_by(Area.id)
    )
    for area_id, level, name, name_sr, name_en in rows:
        yield {
            "area_id": area_id,
            "level": level,
            "name": name_in(context.language, name, name_sr, name_en),
        }
