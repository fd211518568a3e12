"""Staff fixtures: a member of each role and their bearer headers, got through the real login."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import make_staff
from tests.support.auth import bearer, staff_login


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
