"""Counting the SQL statements the code sends, for the tests that keep read paths lean."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from ekesco_api.extensions import db


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """Every statement sent on the app's engine inside the block, in order."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


# Transaction control: the test fixture's savepoints around each commit, not the code's work.
_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


def queries(statements: list[str]) -> list[str]:
    """The statements that read or write, without transaction control."""
    return [s for s in statements if not s.lstrip().upper().startswith(_CONTROL)]
