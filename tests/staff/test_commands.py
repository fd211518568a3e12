"""`flask ekesco create-staff`: a staff member with a role, the password from the environment."""

from __future__ import annotations

from sqlalchemy import select

from ekesco_api.passwords import verify_password
from ekesco_api.staff.models import StaffMember
from tests.factories import make_staff
from tests.support.auth import staff_login

GOOD = "tangerine-walrus-sextant-31"


def _member(db_session, email):
    return db_session.scalar(select(StaffMember).where(StaffMember.email_key == email.lower()))


def test_create_staff_from_the_environment(runner, client, db_session):
    result = runner.invoke(
        args=["ekesco", "create-staff", "--email", "Agent@kesco-energy.com", "--role", "support"],
        env={"STAFF_PASSWORD": GOOD},
    )
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    member = _member(db_session, "agent@kesco-energy.com")
    assert (member.email, member.role, member.active) == ("Agent@kesco-energy.com", "support", True)
    assert verify_password(member.password_hash, GOOD)
    assert staff_login(client, member, GOOD)["role"] == "support"


def test_create_staff_with_a_prompt(runner, db_session, monkeypatch):
    monkeypatch.delenv("STAFF_PASSWORD", raising=False)
    result = runner.invoke(
        args=["ekesco", "create-staff", "--email", "boss@kesco-energy.com", "--role", "admin"],
        input=f"{GOOD}\n{GOOD}\n",
    )
    assert result.exit_code == 0, result.output
    assert GOOD not in result.output  # hidden input
    assert _member(db_session, "boss@kesco-energy.com").role == "admin"


def test_a_weak_password_is_refused(runner, db_session):
    result = runner.invoke(
        args=["ekesco", "create-staff", "--email", "d@kesco-energy.com", "--role", "dispatcher"],
        env={"STAFF_PASSWORD": "short"},
    )
    assert result.exit_code == 1
    assert "Password refused" in result.output and "12" in result.output
    assert _member(db_session, "d@kesco-energy.com") is None


def test_an_unknown_role_is_refused(runner, db_session):
    result = runner.invoke(
        args=["ekesco", "create-staff", "--email", "x@kesco-energy.com", "--role", "root"],
        env={"STAFF_PASSWORD": GOOD},
    )
    assert result.exit_code == 2
    assert _member(db_session, "x@kesco-energy.com") is None


def test_an_existing_email_is_refused(runner, db_session):
    make_staff(db_session, email="twice@kesco-energy.com")
    result = runner.invoke(
        args=["ekesco", "create-staff", "--email", "TWICE@kesco-energy.com", "--role", "admin"],
        env={"STAFF_PASSWORD": GOOD},
    )
    assert result.exit_code == 1
    assert "exists already" in result.output
