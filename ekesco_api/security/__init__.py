"""Who is calling: the token mechanism, plumbing below every domain (it imports none).

Tokens carry `kind` ("customer" or "staff"), `fam` (the session family, revoked on logout or a
password reset) and `scope` ("full", or "password_change" after a support reset). A token of one
kind is useless on the other kind's routes.

A package, laid out like a domain: `errors` holds what a token can be refused for, `guards` the
one decorator per protected operation (it guards, and documents the bearer requirement and
those errors in the spec); here, the JWT callbacks that answer a bad token as problem+json.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from ekesco_api.errors import Unauthorized
from ekesco_api.extensions import jwt
from ekesco_api.problems import api_error_problem
from ekesco_api.security.errors import TokenExpired, TokenInvalid, TokenRevoked


def init_app(app: Flask) -> None:
    """Answer every token problem as problem+json.

    Whether a token's session was revoked is the auth domain's to say: `auth.init_app`
    registers that check (this package sits below every domain and imports none).
    """

    @jwt.expired_token_loader
    def _expired(_header: dict[str, Any], _payload: dict[str, Any]) -> Any:
        return api_error_problem(TokenExpired())

    @jwt.invalid_token_loader
    def _invalid(_reason: str) -> Any:
        return api_error_problem(TokenInvalid())

    @jwt.unauthorized_loader
    def _missing(_reason: str) -> Any:
        return api_error_problem(Unauthorized())

    @jwt.revoked_token_loader
    def _revoked(_header: dict[str, Any], _payload: dict[str, Any]) -> Any:
        return api_error_problem(TokenRevoked())

    @jwt.needs_fresh_token_loader
    def _not_fresh(_header: dict[str, Any], _payload: dict[str, Any]) -> Any:
        return api_error_problem(Unauthorized())

    @jwt.user_lookup_error_loader
    def _no_user(_header: dict[str, Any], _payload: dict[str, Any]) -> Any:
        return api_error_problem(TokenRevoked())
