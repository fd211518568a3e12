"""The area tree (city → locality → neighbourhood) built from addresses and areas.csv.

A node is found again by its `path_key`: the folded names of its path joined by "/", so that
"Prishtinë / Kodra e Diellit" and "PRISHTINE / kodra-e-diellit" are one place.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.areas.models import AREA_LEVELS, Area

_SEPARATORS = re.compile(r"[\s\-_./\\]+")


def fold_name(name: str) -> str:
    """Lower case, without diacritics (ë → e, č → c, đ → dj), separators as single spaces."""
    text = name.casefold().replace("đ", "dj")
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return _SEPARATORS.sub(" ", text).strip()


def path_key(parts: Iterable[str]) -> str:
    """`path_key(["Prishtinë", "Prishtinë", "Dardania"])` → "prishtine/prishtine/dardania"."""
    return "/".join(fold_name(part) for part in parts)


def address_path(city: str, locality: str, neighbourhood: str) -> tuple[str, ...]:
    """The path of an address down to its deepest named level (neighbourhood may be empty)."""
    return (city, locality, neighbourhood) if neighbourhood else (city, locality)


class AreaTree:
    """The areas already stored, and the ones this import adds, by path key."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_key: dict[str, Area] = {
            area.path_key: area for area in session.scalars(select(Area)).all()
        }
        self.inserted = 0

    def ensure(self, path: tuple[str, ...]) -> Area:
        """The node of `path`, created (with its missing ancestors) under its first spelling."""
        parent: Area | None = None
        for depth in range(1, len(path) + 1):
            key = path_key(path[:depth])
            area = self.by_key.get(key)
            if area is None:
                area = Area(
                    level=AREA_LEVELS[depth - 1],
                    name=path[depth - 1],
                    parent=parent,
                    path_key=key,
                )
                self.session.add(area)
                self.by_key[key] = area
                self.inserted += 1
            parent = area
        assert parent is not None
        return parent

    def ensure_all(self, paths: Mapping[tuple[str, ...], int]) -> dict[str, int]:
        """Nodes for many address paths at once (path → how many addresses spell it so); the
        most frequent spelling names a new node.

        Returns path key → area id for every path given (and its ancestors).
        """
        spellings: dict[str, Counter[str]] = {}
        for path, count in paths.items():
            for depth in range(1, len(path) + 1):
                key = path_key(path[:depth])
                spellings.setdefault(key, Counter())[path[depth - 1]] += count
        # Shallow keys first, so parents exist before their children.
        for key in sorted(spellings, key=lambda k: k.count("/")):
            if key in self.by_key:
                continue
            parent_key, _, _ = key.rpartition("/")
            area = Area(
                level=AREA_LEVELS[key.count("/")],
                name=spellings[key].most_common(1)[0][0],
                parent=self.by_key[parent_key] if parent_key else None,
                path_key=key,
            )
            self.session.add(area)
            self.by_key[key] = area
            self.inserted += 1
        self.session.flush()
        return {key: self.by_key[key].id for key in spellings}
