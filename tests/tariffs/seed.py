"""The hand-written tariff seed revision, run outside Alembic's command line for tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection

SEED_PATH = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0002_tariff_seed.py"


def load_seed_revision() -> ModuleType:
    """The hand-written seed revision, imported from its file (revisions are not a package)."""
    spec = importlib.util.spec_from_file_location("tariff_seed_revision", SEED_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_revision(connection: Connection, step: str) -> None:
    """Run the seed revision's `upgrade` or `downgrade` on a connection, as Alembic would."""
    revision = load_seed_revision()
    context = MigrationContext.configure(connection)
    with Operations.context(context):
        getattr(revision, step)()
