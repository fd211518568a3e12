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
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import Flask, current_app
from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config
from flask_jwt_extended.default_callbacks import default_decode_key_callback
from flask_jwt_extended.tokens import _decode_jwt

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

    def _verify(self, encoded_token: str, csrf_value: str | None) -> dict[str, Any]:
        """The library's verification (expiry aside, checked on every use), in one decode.

        The library decodes the token twice unverified before it verifies it: to hand its
        header and claims to the decode-key callback that picks the secret. Without such a
        callback the secret is the configured key, so those two decodes are skipped: a third of
        the time a token new to this worker costs (every refresh token is).
        """
        if self._decode_key_callback is not default_decode_key_callback:
            return JWTManager._decode_jwt_from_config(
                self, encoded_token, csrf_value, allow_expired=True
            )
        # The library's own arguments, as its _decode_jwt_from_config passes them.
        return _decode_jwt(
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

    def _decode_jwt_from_config(
        self, encoded_token: str, csrf_value: str | None = None, allow_expired: bool = False
    ) -> dict[str, Any]:
        verified: Callable[[str, str | None], dict[str, Any]] = current_app.extensions[
            EXTENSION_KEY
        ]
        # Raises for a forged or malformed token; lru_cache never keeps a failure.
        claims = verified(encoded_token, csrf_value)
        if not allow_expired and _expired(claims):
            # The library's own path raises ExpiredSignatureError with the header and the
            # claims attached, which the expired-token handler receives.
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        # A copy: callers may add to the claims they get, and the cached ones must not change.
        return dict(claims)


def _expired(claims: dict[str, Any]) -> bool:
    # PyJWT's rule: expired once `exp <= now - leeway`.
    exp = claims.get("exp")
    return exp is not None and float(exp) <= time.time() - config.leeway
