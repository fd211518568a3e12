"""Naming the unique constraint an IntegrityError broke, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ekesco_api.accounts.models import Account
from ekesco_api.integrity import violated_unique
from tests.factories import make_account


@pytest.mark.parametrize(
    ("column", "constraint"),
    [("phone", "uq_accounts_phone"), ("email_key", "uq_accounts_email_key")],
)
def test_a_real_violation_is_named(db_session: Any, column: str, constraint: str) -> None:
    taken = make_account(db_session)
    other = make_account(db_session)
    with pytest.raises(IntegrityError) as raised, db_session.begin_nested():
        db_session.execute(
            update(Account).where(Account.id == other.id).values({column: getattr(taken, column)})
        )
    assert violated_unique(raised.value) == constraint


class _Driver(Exception):
    pass


@pytest.mark.parametrize(
    ("message", "constraint"),
    [
        ("UNIQUE constraint failed: accounts.phone", "uq_accounts_phone"),
        (
            "UNIQUE constraint failed: block_warnings.meter_id, block_warnings.period",
            "uq_block_warnings_meter_id_period",
        ),
        ("NOT NULL constraint failed: accounts.phone", None),
        ("FOREIGN KEY constraint failed", None),
    ],
)
def test_sqlite_messages_give_the_conventional_name(message: str, constraint: str | None) -> None:
    error = IntegrityError("INSERT ...", {}, _Driver(message))
    assert violated_unique(error) == constraint
