"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import Migrate
from sqlalchemy.orm import Session

from ekesco_api.extensions import db


def test_upgraded_database_matches_the_models(db_session: Session) -> None:
    # The session fixture ran `upgrade head` on an empty database; nothing may be left to do.
    context = MigrationContext.configure(db_session.connection(), opts={"compare_type": True})
    differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_database_is_at_the_single_head(app: Flask, db_session: Session) -> None:
    migrate: Migrate = app.extensions["migrate"].migrate
    script = ScriptDirectory.from_config(migrate.get_config())
    heads = script.get_heads()
    assert len(heads) == 1
    context = MigrationContext.configure(db_session.connection())
    assert context.get_current_heads() == tuple(heads)
