"""Session families (placeholder until the auth domain lands)."""

from typing import Any


def is_token_revoked(payload: dict[str, Any]) -> bool:
    return False
