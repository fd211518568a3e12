"""Staff members without HTTP: create-staff's refusals (the login is in test_login.py)."""

from __future__ import annotations

import pytest

from ekesco_api.staff import members
from tests.factories import make_staff


def test_create_staff_refuses_an_unknown_role(db_session):
    with pytest.raises(ValueError, match="role"):
        members.create_staff(
            db_session, email="x@kesco-energy.com", role="root", password="tangerine-walrus-31"
        )


def test_create_staff_refuses_a_duplicate(db_session):
    make_staff(db_session, email="dup@kesco-energy.com")
    with pytest.raises(members.StaffExists):
        members.create_staff(
            db_session, email="DUP@kesco-energy.com", role="admin", password="tangerine-walrus-31"
        )
