"""An import's outcome as the tests read it: counts per file, rejected rows, a supply point."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.cis_import.report import ImportSummary
from ekesco_api.meters.models import SupplyPoint


def counts(summary: ImportSummary) -> dict[str, tuple[int, int, int, int]]:
    """File → (inserted, updated, unchanged, rejected)."""
    return {r.file: (r.inserted, r.updated, r.unchanged, r.rejected) for r in summary.files}


def rejections(summary: ImportSummary, file: str) -> list[tuple[int, str]]:
    """The file's rejected rows as (line, reason code)."""
    return [(error.line, error.code) for error in summary.report(file).errors]


def supply_point(session: Session, code_key: str) -> SupplyPoint:
    return session.scalars(select(SupplyPoint).where(SupplyPoint.code_key == code_key)).one()
