"""Fixtures of the registration tests: a customer code in the CIS, posting a valid registration."""

from __future__ import annotations

from typing import Any

import pytest

from ekesco_api.notifications import service as notification_service
from tests.factories import make_supply_point
from tests.registration.helpers import registration_body


@pytest.fixture
def supply_point(db_session: Any) -> Any:
    return make_supply_point(
        db_session, customer_code="DGJ 0042137", first_name="Arbën", last_name="Krasniqi"
    )


@pytest.fixture
def register(client: Any, supply_point: Any) -> Any:
    """POST /auth/register with a valid body, any field overridden (None leaves it out)."""

    def post(headers: dict[str, str] | None = None, **overrides: Any) -> Any:
        return client.post(
            "/api/v1/auth/register", json=registration_body(**overrides), headers=headers or {}
        )

    return post


@pytest.fixture
def no_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits happen, nothing is sent right after them: messages wait for the worker."""
    monkeypatch.setattr(notification_service, "_deliver_now", lambda session, messages: None)
