"""`flask --app wsgi ekesco ...`: the operator's commands, each delegating to a domain service."""

from __future__ import annotations

import click
from flask.cli import AppGroup

ekesco = AppGroup("ekesco", help="eKesco operations: import, demo data, worker, staff.")


def main() -> None:
    """`ekesco-api` console script: the same commands without `flask --app wsgi`."""
    from flask.cli import FlaskGroup

    from ekesco_api import create_app

    FlaskGroup(create_app=lambda: create_app())(prog_name="ekesco-api")


@ekesco.command("version")
def version() -> None:
    """Print the version."""
    click.echo("ekesco-api 0.1.0")
