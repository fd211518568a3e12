"""Reading the area tree: one level of it, and the areas above or below a set of areas."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.areas.models import Area


def list_areas(session: Session, *, parent_id: int | None, language: str) -> list[dict[str, Any]]:
    """One level of the tree (the cities without `parent_id`), named in `language`."""
    query = select(Area).order_by(Area.name, Area.id)
    query = query.where(
        Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id
    )
    return [
        {
            "id": area.id,
            "level": area.level,
            "name": area.name_in(language),
            "parent_id": area.parent_id,
        }
        for area in session.scalars(query)
    ]


def descendants_and_self(session: Session, area_ids: Iterable[int]) -> set[int]:
    """`area_ids` and every area below them (the tree is at most three levels deep)."""
    found = set(area_ids)
    frontier = set(found)
    while frontier:
        children = set(session.scalars(select(Area.id).where(Area.parent_id.in_(frontier))))
        frontier = children - found
        found |= frontier
    return found


def ancestors_and_self(session: Session, area_ids: Iterable[int]) -> set[int]:
    """`area_ids` and every area above them."""
    found = set(area_ids)
    frontier = set(found)
    while frontier:
        parents = {
            p
            for p in session.scalars(select(Area.parent_id).where(Area.id.in_(frontier)))
            if p is not None
        }
        frontier = parents - found
        found |= frontier
    return found


def related_areas(session: Session, area_id: int) -> set[int]:
    """The areas whose outages concern `area_id`: above it (they cover it) and below it."""
    return ancestors_and_self(session, [area_id]) | descendants_and_self(session, [area_id])
