"""A record of each import run from the CIS: when the data was last synced."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ekesco_api.db import Base
from ekesco_api.types import utcnow


class ImportRun(Base):
    """One `ekesco import` run; the latest finished one gives `last_synced_at`.

    `summary` holds per file the inserted/updated/unchanged counts and the rejected rows
    (file, line, code, reason), so support can see why a customer's bill is missing.
    """

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    directory: Mapped[str] = mapped_column(String(500), default="")
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Indexed: every balance reads max(finished_at), and the runs grow by one a night.
    finished_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    error_count: Mapped[int] = mapped_column(default=0)
    summary: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
