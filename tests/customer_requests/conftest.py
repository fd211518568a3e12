"""Requests fixtures: a customer with one meter, a support agent logged in."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.factories import make_staff
from tests.support.auth import bearer, staff_login
from tests.support.customers import Customer, make_customer


@pytest.fixture
def customer(db_session: Any) -> Customer:
    return make_customer(db_session)


@pytest.fixture
def agent(db_session: Any) -> Any:
    return make_staff(db_session, role="support", email="agent.one@kesco-energy.com")


@pytest.fixture
def agent_headers(client: FlaskClient, agent: Any) -> dict[str, str]:
    return bearer(staff_login(client, agent)["access_token"])
