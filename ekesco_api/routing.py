"""URL converters: ids in paths are bounded like the database's own integers."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

# The largest value a BIGINT (and SQLite's INTEGER) holds; a larger id names nothing.
MAX_ID = 2**63 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` that answers 404 for ids no database row can have, instead of overflowing."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
