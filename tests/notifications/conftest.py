"""Fixtures of the message tests: senders that fail on demand, queueing without sending."""

from __future__ import annotations

import pytest
from flask import Flask

from ekesco_api.notifications import service as notification_service
from ekesco_api.notifications.senders import Senders

from .fakes import FlakySms


@pytest.fixture
def senders(app: Flask) -> Senders:
    return notification_service.get_senders(app)


@pytest.fixture
def flaky_sms(app: Flask, senders: Senders, monkeypatch: pytest.MonkeyPatch) -> FlakySms:
    """The SMS gateway is down until the test sets `flaky_sms.error = None`."""
    flaky = FlakySms(senders.sms)
    replaced = Senders(sms=flaky, email=senders.email, push=senders.push)
    monkeypatch.setitem(app.extensions, notification_service.SENDERS_KEY, replaced)
    return flaky


@pytest.fixture
def process_dies_after_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits happen, but nothing is sent right after them: only the worker can send."""
    monkeypatch.setattr(notification_service, "_deliver_now", lambda session, messages: None)
