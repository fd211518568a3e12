"""Query plans of the hot paths at the real size: every statement they send uses an index.

The test suite cannot hold 600,000 customers, and PostgreSQL's planner picks a sequential scan
for a small table however good the index, so this check runs here, on the scale database. Each
hot request is made once in-process (Flask's test client) while every statement it sends is
recorded with its parameters; each is then planned with `EXPLAIN (FORMAT JSON)`, and a plan
that reads a large table (over `LARGE` rows) from end to end is a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

# A table of more rows than this (PostgreSQL's own estimate) must not be read end to end by a
# hot statement; smaller ones may be, as the planner rightly prefers for a few pages.
LARGE = 10_000


@dataclass
class Planned:
    """One statement of a request, and what its plan reads."""

    request: str
    statement: str
    scans: list[str] = field(default_factory=list)  # "Index Scan on bills", ...
    full_scans: list[str] = field(default_factory=list)  # sequential scans of large tables


def _walk(plan: dict[str, Any]) -> Iterator[str]:
    relation = plan.get("Relation Name")
    if relation:
        yield f"{plan['Node Type']} on {relation}"
    for child in plan.get("Plans", ()):
        yield from _walk(child)


def check_plans(app: Any, requests: dict[str, Callable[[Any], Any]]) -> list[Planned]:
    """Make each request once, plan every statement it sent; `requests` name → fn(client)."""
    from sqlalchemy import event

    from ekesco_api.extensions import db

    recorded: list[tuple[str, str, Any]] = []
    current = [""]

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        recorded.append((current[0], statement, parameters))

    client = app.test_client()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for name, make in requests.items():
            current[0] = name
            response = make(client)
            assert response.status_code < 300, (name, response.status_code, response.get_data())
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    planned: list[Planned] = []
    with db.engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > %s", (LARGE,)
        )
        large = {name for (name,) in cursor.fetchall()}
        for name, statement, parameters in recorded:
            head = statement.lstrip().split(None, 1)[0].upper()
            if head not in ("SELECT", "WITH", "UPDATE", "INSERT", "DELETE"):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters or None)
            plan = cursor.fetchone()[0][0]["Plan"]
            scans = list(_walk(plan))
            full = [s for s in scans if s.startswith("Seq Scan on ") and s[12:] in large]
            planned.append(Planned(name, " ".join(statement.split()), scans, full))
        connection.rollback()
    return planned


def report(planned: list[Planned]) -> tuple[list[str], bool]:
    """Lines for the table, and whether every plan keeps off full scans of large tables."""
    lines = []
    ok = True
    for entry in planned:
        bad = entry.full_scans
        ok = ok and not bad
        reads = ", ".join(sorted(set(entry.scans))) or "no table"
        lines.append(f"  {'FULL SCAN' if bad else 'ok':<9} {entry.request:<22} {reads}")
        if bad:
            lines.append(f"            {entry.statement[:600]}")
    return lines, ok
