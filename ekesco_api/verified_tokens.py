"""Bearer tokens verified once per worker, then recognised by their exact text.

Every authenticated request verifies its token, and with flask-jwt-extended over PyJWT that
costs about 0.3 ms: the token is decoded three times (twice unverified, for the key callback)
and PyJWT checks its base64 character by character in Python. That is a sixth of
`GET /balance`. A mobile app sends the same access token for its whole 15 minutes, so each
worker keeps the claims of the tokens it has verified, keyed by the token's exact text: a
byte-identical token carries the same signature, which verified once and verifies again.

What changes with time is checked on every use: the expiry, here, and the session family
(logout, password reset), in `security`'s revocation check, which no cache ever answers.
`nbf` and `iat` only ever become true with time, so a token that passed them passes again.
The cache is the standard library's LRU (C, thread-safe), bounded per app: at about 1 KiB a
token, 4,096 of them are 4 MiB a worker.

`verify_token_in_request` is flask-jwt-extended's `verify_jwt_in_request` for tokens in the
Authorization header (the only place ours travel), taking the token's header from the cache
too: the library reads it once more on every request, PyJWT's character check again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import jwt
from flask import Flask, current_app, g, request
from flask_jwt_extended import JWTManager, verify_jwt_in_request
from flask_jwt_extended.config import config
from flask_jwt_extended.default_callbacks import default_decode_key_callback
from flask_jwt_extended.internal_utils import (
    custom_verification_for_token,
    verify_token_not_blocklisted,
    verify_token_type,
)
from flask_jwt_extended.tokens import _decode_jwt
from flask_jwt_extended.view_decorators import _decode_jwt_from_headers, _load_user

EXTENSION_KEY = "ekesco.verified_tokens"
DEFAULT_SIZE = 4096


class CachingJWTManager(JWTManager):
    """flask-jwt-extended's manager, with a bounded cache of tokens it has verified."""

    def __init__(self, *args: Any, cache_size: int = DEFAULT_SIZE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache_size = cache_size

    def init_app(self, app: Flask, add_context_processor: bool = False) -> None:
        super().init_app(app, add_context_processor)
        # One cache per app: tests build apps with different secrets, and a token verified
        # under one secret must not pass under another.
        app.extensions[EXTENSION_KEY] = lru_cache(maxsize=self.cache_size)(self._verify)

    def _verify(
        self, encoded_token: str, csrf_value: str | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The token's claims and header: the library's verification (expiry aside, checked on
        every use), in one decode.

        The library decodes the token twice unverified before it verifies it: to hand its
        header and claims to the decode-key callback that picks the secret. Without such a
        callback the secret is the configured key, so those two decodes are skipped: a third of
        the time a token new to this worker costs (every refresh token is).
        """
        if self._decode_key_callback is not default_decode_key_callback:
            claims = JWTManager._decode_jwt_from_config(
                self, encoded_token, csrf_value, allow_expired=True
            )
            return claims, jwt.get_unverified_header(encoded_token)
        # The library's own arguments, as its _decode_jwt_from_config passes them.
        claims = _decode_jwt(
            algorithms=config.decode_algorithms,
            allow_expired=True,
            audience=config.decode_audience,
            csrf_value=csrf_value,  # type: ignore[arg-type]
            encoded_token=encoded_token,
            identity_claim_key=config.identity_claim_key,
            issuer=config.decode_issuer,
            leeway=config.leeway,
            secret=config.decode_key,
            verify_aud=config.decode_audience is not None,
            verify_sub=config.verify_sub,
        )
        return claims, jwt.get_unverified_header(encoded_token)

    def verified(
        self,
        encoded_token: str,
        csrf_value: str | None = None,
        allow_expired: bool = False,
        *,
        single_use: bool = False,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The claims and the header of a token that passes every check, from the cache when
        this worker has verified it before; raises as the library does for one that fails.

        A `single_use` token (a refresh token) is verified without the cache: it never comes
        back, and keeping it would only push out an access token that does.
        """
        verify: Callable[[str, str | None], tuple[dict[str, Any], dict[str, Any]]]
        verify = self._verify if single_use else current_app.extensions[EXTENSION_KEY]
        # Raises for a forged or malformed token; lru_cache never keeps a failure.
        claims, header = verify(encoded_token, csrf_value)
        if not allow_expired and _expired(claims):
            # The library's own path raises ExpiredSignatureError with the header and the
            # claims attached, which the expired-token handler receives.
            claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        # Copies: callers may add to what they get, and the cached ones must not change.
        return dict(claims), dict(header)

    def _decode_jwt_from_config(
        self, encoded_token: str, csrf_value: str | None = None, allow_expired: bool = False
    ) -> dict[str, Any]:
        return self.verified(encoded_token, csrf_value, allow_expired)[0]


def verify_token_in_request(*, refresh: bool = False, skip_revocation_check: bool = False) -> None:
    """`verify_jwt_in_request(refresh=..., skip_revocation_check=...)`: the same checks in the
    same order, the same errors, and what `get_jwt()` and `get_jwt_header()` answer after it,
    for a token in the Authorization header; the header comes from the cache.

    Tokens looked for anywhere else (JWT_TOKEN_LOCATION) take the library's own path.
    """
    if list(config.token_location) != ["headers"]:
        verify_jwt_in_request(refresh=refresh, skip_revocation_check=skip_revocation_check)
        return
    if request.method in config.exempt_methods:
        return
    encoded_token, csrf_value = _decode_jwt_from_headers()
    manager: CachingJWTManager = current_app.extensions["flask-jwt-extended"]
    claims, header = manager.verified(encoded_token, csrf_value, single_use=refresh)
    verify_token_type(claims, refresh)
    if not skip_revocation_check:
        verify_token_not_blocklisted(header, claims)
    custom_verification_for_token(header, claims)
    # Set last, as the library does: only a token that passed everything is kept.
    g._jwt_extended_jwt_user = _load_user(header, claims)
    g._jwt_extended_jwt_header = header
    g._jwt_extended_jwt = claims
    g._jwt_extended_jwt_location = "headers"


def _expired(claims: dict[str, Any]) -> bool:
    # PyJWT's rule: expired once `exp <= now - leeway`.
    exp = claims.get("exp")
    return exp is not None and float(exp) <= time.time() - config.leeway
