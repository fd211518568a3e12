"""Areas of the network (city → locality → neighbourhood), as the CIS export names them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ekesco_api.db import Base

AREA_LEVELS = ("city", "locality", "neighbourhood")


def name_in(language: str, name: str, name_sr: str | None, name_en: str | None) -> str:
    """An area's name in `language`; Albanian where the supplier gave no other."""
    if language == "en" and name_en:
        return name_en
    if language == "sr" and name_sr:
        return name_sr
    return name


class Area(Base):
    """One node of the area tree; an outage announced for an area covers its children."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    name_sr: Mapped[str | None] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    # "city/locality/neighbourhood" in normal form; unique, so re-imports find the same node.
    path_key: Mapped[str] = mapped_column(String(400), unique=True)

    parent: Mapped[Area | None] = relationship(remote_side=[id])

    def name_in(self, language: str) -> str:
        return name_in(language, self.name, self.name_sr, self.name_en)
