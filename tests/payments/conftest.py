"""Fixtures of the payments tests: every request picks its own language."""

import pytest

from tests.auth_helpers import fresh_locale_per_request


@pytest.fixture(autouse=True)
def _fresh_locale(fresh_locale_per_request: None) -> None:
    """Each test request is answered in its own Accept-Language."""


__all__ = ["fresh_locale_per_request"]
