"""URL converters: ids in paths are bounded like the database's own integers."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

# Ids are INTEGER columns: on PostgreSQL the largest is 2^31 - 1 (SQLite holds more, but the
# answer must not depend on the database). A larger id names nothing, so it is a 404 like any
# other unknown id, not a 422 from the database refusing the number.
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` that answers 404 for ids no database row can have, instead of overflowing."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
