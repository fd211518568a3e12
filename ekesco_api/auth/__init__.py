"""Sessions, tokens, login, token refresh and password care."""

from __future__ import annotations

from typing import Any

from flask import Flask


def init_app(app: Flask) -> None:
    """Check on every request that carries a token that its session is still live."""
    from ekesco_api.auth.sessions import is_token_revoked
    from ekesco_api.extensions import jwt

    @jwt.token_in_blocklist_loader
    def _is_revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
        return is_token_revoked(payload)
