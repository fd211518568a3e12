"""Reference numbers `KS-YYYY-NNNNNN`: in sequence within a Kosovo year, never given twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ekesco_api.clock import local_date
from ekesco_api.customer_requests.models import RequestCounter

PREFIX = "KS"


def format_reference(year: int, number: int) -> str:
    """`KS-2026-000123`; past 999,999 a year the number simply grows a digit."""
    return f"{PREFIX}-{year:04d}-{number:06d}"


def reference_key(text: str) -> str:
    """How a reference is looked up: as typed, ignoring case and the spaces around it."""
    return text.strip().upper()


def next_reference(session: Session, *, now: dt.datetime) -> str:
    """Take the next number of `now`'s year on the Kosovo clock, in the caller's transaction.

    One upsert that returns the new number: the first filing of a year inserts the year's row,
    the others add one to it. The row stays locked until the caller commits, so two filings
    never read the same number, on PostgreSQL or SQLite, and a rolled-back filing gives its
    number back instead of leaving a gap. Call it last before the insert that uses it: every
    filing waits on this row meanwhile.
    """
    year = local_date(now).year
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(RequestCounter)
        .values(year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[RequestCounter.year],
            set_={"last_number": RequestCounter.last_number + 1},
        )
        .returning(RequestCounter.last_number)
    )
    number = session.execute(statement).scalar_one()
    return format_reference(year, int(number))
