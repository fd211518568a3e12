"""The customer codes a file's rows name, matched to the supply points loaded before."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.cis_import import parsing as p
from ekesco_api.cis_import.engine import Row
from ekesco_api.cis_import.parsing import BadValue
from ekesco_api.keys import identifier_key
from ekesco_api.meters.models import SupplyPoint


def supply_point_ids(session: Session) -> dict[str, int]:
    """Every supply point by its code's key: read once per file."""
    rows = session.connection().execute(select(SupplyPoint.code_key, SupplyPoint.id))
    return {code_key: supply_point_id for code_key, supply_point_id in rows}


def supply_point_of(codes: dict[str, int], row: Row) -> int:
    """The supply point the row's customer code names: loaded earlier, or already stored."""
    code = p.text(row, "customer_code", 32)
    supply_point_id = codes.get(identifier_key(code))
    if supply_point_id is None:
        raise BadValue("unknown_customer_code", value=code)
    return supply_point_id
