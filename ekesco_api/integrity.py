"""Which unique constraint an IntegrityError broke, by name, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError

# SQLite names the table and columns, not the constraint: "UNIQUE constraint failed: t.a, t.b".
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (\w+)\.(\w+)((?:, \1\.\w+)*)")


def violated_unique(error: IntegrityError) -> str | None:
    """The name of the unique constraint behind `error` (`uq_accounts_phone`), or None.

    PostgreSQL reports the constraint's name. SQLite reports its columns, which give the name
    back through the naming convention of `ekesco_api.db` (`uq_<table>_<col>_<col>`); a
    unique index declared with another name is therefore known only on PostgreSQL.
    """
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    match = _SQLITE_UNIQUE.search(str(error.orig))
    if match is None:
        return None
    table, first, rest = match.groups()
    columns = [first, *(part.split(".", 1)[1] for part in rest.split(", ")[1:])]
    return f"uq_{table}_{'_'.join(columns)}"
