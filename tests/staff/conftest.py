"""Staff fixtures: a member of each role and their bearer headers, got through the real login."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.auth_helpers import bearer
from tests.factories import STAFF_PASSWORD, make_staff

STAFF_LOGIN_URL = "/api/v1/staff/login"
# How a temporary password looks in the SMS or e-mail that carries it.
TEMP_PASSWORD = re.compile(r"\b([a-z2-9]{4}(?:-[a-z2-9]{4}){3})\b")


def staff_login(client: FlaskClient, member: Any, password: str = STAFF_PASSWORD) -> dict[str, Any]:
    response = client.post(STAFF_LOGIN_URL, json={"email": member.email, "password": password})
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


@pytest.fixture
def support(db_session: Any) -> Any:
    return make_staff(db_session, role="support")


@pytest.fixture
def dispatcher(db_session: Any) -> Any:
    return make_staff(db_session, role="dispatcher")


@pytest.fixture
def admin(db_session: Any) -> Any:
    return make_staff(db_session, role="admin")


@pytest.fixture
def support_headers(client: FlaskClient, support: Any) -> dict[str, str]:
    return bearer(staff_login(client, support)["access_token"])


@pytest.fixture
def admin_headers(client: FlaskClient, admin: Any) -> dict[str, str]:
    return bearer(staff_login(client, admin)["access_token"])
