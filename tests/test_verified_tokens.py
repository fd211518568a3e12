"""The per-worker cache of verified tokens never lets through what a fresh check would refuse."""

from __future__ import annotations

import datetime as dt
import time

import jwt as pyjwt
import pytest
from flask import Flask, g
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    decode_token,
    get_jwt,
    get_jwt_header,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import JWTDecodeError

from ekesco_api.auth.tokens import issue_token_pair
from ekesco_api.verified_tokens import CachingJWTManager, verify_token_in_request
from tests.factories import make_account
from tests.support.auth import bearer, login

ME_URL = "/api/v1/me"


def test_a_token_used_before_still_expires_on_time(client, db_session):
    account = make_account(db_session)
    family = decode_token(issue_token_pair(db_session, account=account)["access_token"])["fam"]
    short = create_access_token(
        identity=str(account.id),
        additional_claims={"kind": "customer", "fam": family, "scope": "full"},
        expires_delta=dt.timedelta(seconds=2),
    )
    assert client.get(ME_URL, headers=bearer(short)).status_code == 200  # now cached
    expires = decode_token(short, allow_expired=True)["exp"]
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    response = client.get(ME_URL, headers={**bearer(short), "Accept-Language": "en"})
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_expired"


@pytest.mark.parametrize("position", [-1, -20, 12])
def test_a_changed_token_is_refused_after_the_genuine_one_passed(client, db_session, position):
    account = make_account(db_session)
    token = login(client, account.email)["access_token"]
    assert client.get(ME_URL, headers=bearer(token)).status_code == 200
    changed = token[:position] + ("A" if token[position] != "A" else "B") + token[position:][1:]
    response = client.get(ME_URL, headers=bearer(changed))
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_invalid"
    # The genuine one is unharmed by the failed attempt.
    assert client.get(ME_URL, headers=bearer(token)).status_code == 200


def _bare_app(secret: str, manager: CachingJWTManager) -> Flask:
    app = Flask(__name__)
    app.config["JWT_SECRET_KEY"] = secret
    manager.init_app(app)
    return app


def test_each_app_keeps_its_own_cache_so_a_token_never_crosses_secrets():
    manager = CachingJWTManager(cache_size=8)
    first, second = _bare_app("a" * 40, manager), _bare_app("b" * 40, manager)
    with first.app_context():
        token = create_access_token(identity="7")
        assert decode_token(token)["sub"] == "7"
    with second.app_context(), pytest.raises(pyjwt.InvalidSignatureError):
        decode_token(token)


def test_claims_a_caller_changes_do_not_change_the_next_callers_claims():
    app = _bare_app("c" * 40, CachingJWTManager(cache_size=8))
    with app.app_context():
        token = create_access_token(identity="7", additional_claims={"scope": "full"})
        decode_token(token)["scope"] = "tampered"
        assert decode_token(token)["scope"] == "full"


def test_the_cache_is_bounded():
    app = _bare_app("d" * 40, CachingJWTManager(cache_size=3))
    with app.app_context():
        for n in range(10):
            decode_token(create_access_token(identity=str(n)))
        info = app.extensions["ekesco.verified_tokens"].cache_info()
    assert info.currsize == 3 and info.misses == 10


def test_a_token_new_to_the_worker_is_verified_as_the_library_verifies_it():
    # One decode instead of the library's three: the same claims, the same refusals.
    app = _bare_app("e" * 40, CachingJWTManager(cache_size=8))
    with app.app_context():
        token = create_access_token(identity="7", additional_claims={"scope": "full"})
        library = JWTManager._decode_jwt_from_config(
            app.extensions["flask-jwt-extended"], token, None, allow_expired=True
        )
        assert decode_token(token) == library
        forged = pyjwt.encode(pyjwt.decode(token, options={"verify_signature": False}), "f" * 40)
        with pytest.raises(pyjwt.InvalidSignatureError):
            decode_token(forged)
        with pytest.raises(JWTDecodeError):  # no subject: the library's own check
            decode_token(pyjwt.encode({"type": "access"}, "e" * 40, algorithm="HS256"))


def test_a_decode_key_callback_still_picks_the_secret():
    manager = CachingJWTManager(cache_size=8)
    manager.decode_key_loader(lambda _header, claims: "g" * 40 if claims["sub"] == "7" else "x")
    app = _bare_app("h" * 40, manager)
    with app.app_context():
        token = pyjwt.encode({"sub": "7", "type": "access"}, "g" * 40, algorithm="HS256")
        assert decode_token(token)["sub"] == "7"


def _outcome(app, verify, headers, method="GET", **kwargs):
    """What a verification leaves: the error it raised, or what get_jwt() and get_jwt_header()
    answer after it (None when it let the request through without a token)."""
    with app.test_request_context(method=method, headers=headers):
        for name in ("_jwt_extended_jwt", "_jwt_extended_jwt_header", "_jwt_extended_jwt_user"):
            g.pop(name, None)  # `g` outlives the request here: the test's app context holds it
        try:
            verify(**kwargs)
        except Exception as error:  # the library's own exceptions, compared by kind and text
            return type(error), str(error)
        try:
            return get_jwt(), get_jwt_header(), g._jwt_extended_jwt_user
        except RuntimeError:
            return None


@pytest.mark.parametrize("refresh", [False, True])
def test_the_request_check_does_what_the_librarys_does(app, db_session, refresh):
    account = make_account(db_session)
    pair = issue_token_pair(db_session, account=account)
    foreign = create_access_token(identity="7", additional_claims={"fam": "not-ours"})
    cases = [
        {},
        {"Authorization": ""},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer a b"},
        {"Authorization": "Bearer not.a.token"},
        bearer(pair["access_token"]),
        bearer(pair["refresh_token"]),
        bearer(foreign),  # revoked: no family of ours
        {"Authorization": f"Basic abc, Bearer {pair['access_token']}"},
    ]
    for headers in cases:
        for skip in (False, True):
            kwargs = {"refresh": refresh, "skip_revocation_check": skip}
            ours = _outcome(app, verify_token_in_request, headers, **kwargs)
            for _ in range(2):  # the second time from the cache
                assert _outcome(app, verify_token_in_request, headers, **kwargs) == ours
            assert ours == _outcome(app, verify_jwt_in_request, headers, **kwargs), headers
    assert _outcome(app, verify_token_in_request, {}, method="OPTIONS") is None


def test_refresh_tokens_are_not_kept(client, db_session):
    # Each is used once: kept, it would only push an access token out of the cache.
    account = make_account(db_session)
    pair = login(client, account.email)
    cache = client.application.extensions["ekesco.verified_tokens"]
    before = cache.cache_info().currsize
    response = client.post("/api/v1/auth/refresh", headers=bearer(pair["refresh_token"]))
    assert response.status_code == 200
    assert cache.cache_info().currsize == before
    assert client.get(ME_URL, headers=bearer(pair["access_token"])).status_code == 200
    assert cache.cache_info().currsize == before + 1
