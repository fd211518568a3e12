"""`flask --app wsgi ekesco create-staff --email E --role support|dispatcher|admin`."""

from __future__ import annotations

import os

import click

from ekesco_api.cli import ekesco
from ekesco_api.errors import WeakPassword
from ekesco_api.extensions import db
from ekesco_api.staff import members
from ekesco_api.staff.models import ROLES


@ekesco.command("create-staff")
@click.option("--email", required=True, help="The staff member's e-mail (their login).")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What they may do.")
def create_staff(email: str, role: str) -> None:
    """Create a staff member; the password comes from STAFF_PASSWORD or a prompt."""
    password = os.environ.get("STAFF_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        member = members.create_staff(db.session(), email=email, role=role, password=password)
    except WeakPassword as error:
        raise click.ClickException(f"Password refused: {error.detail or error.title}") from None
    except members.StaffExists:
        raise click.ClickException(f"A staff member with e-mail {email} exists already.") from None
    click.echo(f"Staff member {member.id} created: {member.email} ({member.role}).")
