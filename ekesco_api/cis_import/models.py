"""A record of each import run from the CIS: when the data was last synced."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column

from ekesco_api.db import Base
from ekesco_api.types import utcnow


class ImportRun(Base):
    """One `ekesco import` run; the latest finished one gives `last_synced_at`."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    summary: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
