"""Removing accounts: what hangs off an account goes with it; records stay, without the link."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Column, Table, delete, update
from sqlalchemy.orm import Session, scoped_session

from ekesco_api.accounts.models import Account
from ekesco_api.db import Base

# `Column.info` key of an account link kept without a foreign key. The inbox and the outbox get
# 100,000 rows in one outage announcement, and a foreign key costs a check per row (about half
# a second each per 100,000 on PostgreSQL); the link is then kept by `delete_accounts` instead.
ACCOUNT_LINK = "account_link"
# `Column.info` key of a column of a row kept without the account that changes when the link is
# cut: what it becomes. An address a message went to, its text, must not outlive the account; a
# notice's receipt, known only from the inbox that goes with the account, must.
ERASED_WITH = "erased_with"

# What such a column becomes: a value, or an SQL expression made from the row's table (a queued
# message, say, becomes failed while a sent one stays sent). The expression is evaluated before
# any of the account's rows are deleted, so it may read them.
Erasure = Any | Callable[[Table], Any]


def account_link(on_delete: str) -> dict[str, Any]:
    """`info=` for a column that points to accounts.id without a foreign key."""
    return {ACCOUNT_LINK: on_delete.upper()}


def erased_with(value: Erasure) -> dict[str, Any]:
    """`info=` for a column of a row that stays when its account goes (`SET NULL`), but holds
    the person's data: it becomes `value` (or `value(table)`, an SQL expression) then."""
    return {ERASED_WITH: value}


def settled_with(value: Callable[[Table], Any]) -> dict[str, Any]:
    """`info=` for a column of a row that stays when its account goes (`SET NULL`) and must
    keep what only rows going with the account say: it becomes `value(table)`, an SQL
    expression evaluated while those rows are still there."""
    return {ERASED_WITH: value}


def _links() -> Iterator[tuple[Table, Column[Any], str]]:
    accounts = Account.__table__
    for table in reversed(Base.metadata.sorted_tables):
        for column in table.columns:
            rule = column.info.get(ACCOUNT_LINK)
            if rule is None:
                keys = [fk for fk in column.foreign_keys if fk.column.table is accounts]
                if not keys:
                    continue
                rule = keys[0].ondelete
            yield table, column, (rule or "").upper()


def _erasures(table: Table) -> dict[str, Any]:
    erased: dict[str, Any] = {}
    for column in table.columns:
        if ERASED_WITH in column.info:
            value = column.info[ERASED_WITH]
            erased[column.name] = value(table) if callable(value) else value
    return erased


def delete_accounts(session: Session | scoped_session[Any], account_ids: Sequence[int]) -> None:
    """Delete accounts and what hangs off them; the caller commits.

    Every link to an account is found from the metadata, so a table another domain adds later
    is handled by what it declares: `SET NULL` rows (the message log, payments) are kept
    without the link, and their columns declared `erased_with` (a message's address and text)
    or `settled_with` (a notice's receipt) change in the same statement; then `CASCADE` rows
    (sessions, codes, meters added, the inbox) are deleted. A foreign key declaring neither is
    left for the database to guard (IntegrityError for the caller).
    """
    ids = list(account_ids)
    if not ids:
        return
    links = list(_links())
    # The kept rows first: their new values may be read from rows about to go.
    for table, column, rule in links:
        if rule == "SET NULL":
            values = {**_erasures(table), column.name: None}
            session.execute(update(table).where(column.in_(ids)).values(values))
    for table, column, rule in links:
        if rule == "CASCADE":
            session.execute(delete(table).where(column.in_(ids)))
    session.execute(delete(Account).where(Account.id.in_(ids)))
