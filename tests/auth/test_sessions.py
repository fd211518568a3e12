"""Refresh rotation, reuse detection, logout, and tokens that are expired, forged or misused."""

from __future__ import annotations

import datetime as dt
import warnings

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from flask_smorest import Blueprint
from jwt.warnings import InsecureKeyLengthWarning
from sqlalchemy import select

from ekesco_api.auth.models import RefreshToken, SessionFamily
from ekesco_api.auth.tokens import issue_token_pair, start_session
from ekesco_api.extensions import db
from ekesco_api.security.errors import WrongTokenKind
from ekesco_api.security.guards import customer_required, staff_required
from tests.concurrency import run_at_once
from tests.factories import make_account, make_staff
from tests.support.auth import auth_headers, bearer, login

# The guards document into a blueprint; these test views are never registered on it.
GUARDED = Blueprint("guarded", __name__)

REFRESH_URL = "/api/v1/auth/refresh"
LOGOUT_URL = "/api/v1/auth/logout"
PROBLEM = "application/problem+json"


def _refresh(client, token, **headers):
    return client.post(REFRESH_URL, headers={**bearer(token), **headers})


def _family(db_session, token):
    family = db_session.get(SessionFamily, decode_token(token, allow_expired=True)["fam"])
    db_session.refresh(family)
    return family


def test_refresh_rotates_the_pair_in_the_same_family(client, db_session):
    account = make_account(db_session)
    first = login(client, account.email)
    response = _refresh(client, first["refresh_token"])
    assert response.status_code == 200
    second = response.get_json()
    assert set(second) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert second["refresh_token"] != first["refresh_token"]
    old, new = decode_token(first["refresh_token"]), decode_token(second["refresh_token"])
    assert old["fam"] == new["fam"] and old["jti"] != new["jti"]
    assert db_session.get(RefreshToken, old["jti"]).used_at is not None
    # The successor works in its turn, and the access tokens of both rounds are good.
    third = _refresh(client, second["refresh_token"])
    assert third.status_code == 200
    assert client.post(
        LOGOUT_URL, headers=bearer(third.get_json()["access_token"])
    ).status_code == (204)


def test_a_reused_refresh_token_revokes_the_whole_family(client, db_session):
    account = make_account(db_session)
    first = login(client, account.email)
    second = _refresh(client, first["refresh_token"]).get_json()

    replay = _refresh(client, first["refresh_token"], **{"Accept-Language": "en"})
    assert replay.status_code == 401
    assert replay.mimetype == PROBLEM
    assert replay.get_json()["code"] == "token_revoked"
    assert _family(db_session, first["access_token"]).revoked_reason == "refresh_reuse"

    # Every token of that login is now dead: the rotated refresh token and both access tokens.
    assert _refresh(client, second["refresh_token"]).get_json()["code"] == "token_revoked"
    for access in (first["access_token"], second["access_token"]):
        response = client.post(LOGOUT_URL, headers=bearer(access))
        assert response.status_code == 401
        assert response.get_json()["code"] == "token_revoked"


def test_reuse_does_not_touch_other_logins(client, db_session):
    account = make_account(db_session)
    phone = login(client, account.email)
    laptop = login(client, account.email)
    _refresh(client, phone["refresh_token"])
    _refresh(client, phone["refresh_token"])
    assert _refresh(client, laptop["refresh_token"]).status_code == 200


def test_refresh_keeps_the_scope_of_the_login(client, db_session):
    account = make_account(db_session, password_change_required=True)
    pair = client.post(
        "/api/v1/auth/login",
        json={"username": account.email, "password": "violet-harbour-lantern-88"},
    ).get_json()
    renewed = _refresh(client, pair["refresh_token"]).get_json()
    assert decode_token(renewed["access_token"])["scope"] == "password_change"


def test_an_expired_refresh_token_is_token_expired(app, client, db_session):
    account = make_account(db_session)
    pair = issue_token_pair(db_session, account=account)
    claims = decode_token(pair["refresh_token"])
    stale = create_refresh_token(
        identity=str(account.id),
        additional_claims={"jti": claims["jti"], "fam": claims["fam"], "kind": "customer"},
        expires_delta=dt.timedelta(seconds=-10),
    )
    response = _refresh(client, stale, **{"Accept-Language": "sr"})
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["code"] == "token_expired"
    assert body["title"] != "Your session has expired. Please log in again."  # Serbian


def test_a_refresh_token_past_its_stored_expiry_is_token_expired(client, db_session):
    # The row's expiry rules even if the JWT's own were longer (e.g. after a config change).
    account = make_account(db_session)
    pair = issue_token_pair(db_session, account=account)
    row = db_session.get(RefreshToken, decode_token(pair["refresh_token"])["jti"])
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db_session.flush()
    assert _refresh(client, pair["refresh_token"]).get_json()["code"] == "token_expired"


def _tokens_of(db_session, fam):
    return db_session.scalars(select(RefreshToken).where(RefreshToken.family_id == fam)).all()


def test_the_successor_is_stored_only_when_the_token_is_used_up(client, db_session):
    # On PostgreSQL the successor's INSERT rides in the UPDATE's WITH clause, fed by its row.
    account = make_account(db_session)
    pair = issue_token_pair(db_session, account=account)
    claims = decode_token(pair["refresh_token"])
    row = db_session.get(RefreshToken, claims["jti"])
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db_session.flush()
    assert _refresh(client, pair["refresh_token"]).get_json()["code"] == "token_expired"
    assert [token.jti for token in _tokens_of(db_session, claims["fam"])] == [claims["jti"]]

    row.expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    db_session.flush()
    before = dt.datetime.now(dt.UTC)
    response = _refresh(client, pair["refresh_token"])
    assert response.status_code == 200
    successor = db_session.get(
        RefreshToken, decode_token(response.get_json()["refresh_token"])["jti"]
    )
    db_session.refresh(successor)
    assert successor.family_id == claims["fam"] and successor.used_at is None
    assert before - dt.timedelta(seconds=1) <= successor.created_at <= dt.datetime.now(dt.UTC)
    assert successor.expires_at - successor.created_at == dt.timedelta(days=30)
    assert len(_tokens_of(db_session, claims["fam"])) == 2


def test_an_expired_access_token_is_token_expired(client, db_session):
    account = make_account(db_session)
    fam = decode_token(issue_token_pair(db_session, account=account)["access_token"])["fam"]
    stale = create_access_token(
        identity=str(account.id),
        additional_claims={"kind": "customer", "fam": fam, "scope": "full"},
        expires_delta=dt.timedelta(seconds=-10),
    )
    response = client.post(LOGOUT_URL, headers=bearer(stale))
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "token_expired"


def test_a_refresh_token_not_on_record_is_revoked(client, db_session):
    account = make_account(db_session)
    fam = decode_token(issue_token_pair(db_session, account=account)["access_token"])["fam"]
    unknown = create_refresh_token(
        identity=str(account.id),
        additional_claims={"jti": "f" * 32, "fam": fam, "kind": "customer"},
    )
    assert _refresh(client, unknown).get_json()["code"] == "token_revoked"


def test_refresh_in_a_revoked_family_is_token_revoked(client, db_session):
    account = make_account(db_session)
    pair = login(client, account.email)
    assert client.post(LOGOUT_URL, headers=bearer(pair["access_token"])).status_code == 204
    response = _refresh(client, pair["refresh_token"])
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_revoked"


def test_logout_kills_the_access_token_at_once(client, db_session):
    account = make_account(db_session)
    pair = login(client, account.email)
    other = login(client, account.email)
    response = client.post(LOGOUT_URL, headers=bearer(pair["access_token"]))
    assert response.status_code == 204
    assert response.data == b""
    again = client.post(LOGOUT_URL, headers=bearer(pair["access_token"]))
    assert again.status_code == 401
    assert again.get_json()["code"] == "token_revoked"
    assert _family(db_session, pair["access_token"]).revoked_reason == "logout"
    # The other login of the same customer goes on.
    assert _refresh(client, other["refresh_token"]).status_code == 200


def test_logout_without_a_token_is_401(client):
    response = client.post(LOGOUT_URL)
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "unauthorized"


def test_refresh_with_an_access_token_is_refused(client, db_session):
    account = make_account(db_session)
    pair = login(client, account.email)
    response = _refresh(client, pair["access_token"])
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "token_invalid"


def _forgeries(app, account_id, fam):
    claims = {
        "sub": str(account_id),
        "kind": "customer",
        "fam": fam,
        "scope": "full",
        "type": "access",
        "jti": "x",
        "iat": int(dt.datetime.now(dt.UTC).timestamp()),
        "exp": int((dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).timestamp()),
    }
    wrong_key = pyjwt.encode(claims, "someone-elses-key-" + "k" * 32, algorithm="HS256")
    # alg "none": header and payload, no signature.
    unsigned = pyjwt.encode(claims, None, algorithm="none")
    with warnings.catch_warnings():
        # The development key is short for HS512; the point is that HS512 is refused at all.
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)
        other_alg = pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS512")
    return {
        "wrong_key": wrong_key,
        "alg_none": unsigned,
        "hs512": other_alg,
        "garbage": "not.a.jwt",
        "truncated": wrong_key[:-5],
    }


@pytest.mark.parametrize("forgery", ["wrong_key", "alg_none", "hs512", "garbage", "truncated"])
def test_forged_tokens_are_401_problems(app, client, db_session, forgery):
    account = make_account(db_session)
    fam = decode_token(issue_token_pair(db_session, account=account)["access_token"])["fam"]
    token = _forgeries(app, account.id, fam)[forgery]
    for url in (LOGOUT_URL, REFRESH_URL):
        response = client.post(url, headers=bearer(token))
        assert response.status_code == 401, (forgery, url)
        assert response.mimetype == PROBLEM
        assert response.get_json()["code"] == "token_invalid"


def test_a_refresh_token_is_no_access_token(client, db_session):
    account = make_account(db_session)
    pair = login(client, account.email)
    response = client.post(LOGOUT_URL, headers=bearer(pair["refresh_token"]))
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_invalid"
    assert _refresh(client, pair["refresh_token"]).status_code == 200  # still unused


def test_a_customer_token_on_a_staff_route_is_403(app, db_session):
    account = make_account(db_session)
    customer = issue_token_pair(db_session, account=account)["access_token"]
    member = make_staff(db_session)
    staff = start_session(db_session, kind="staff", subject_id=member.id, role="support")[
        "access_token"
    ]
    db_session.flush()

    @staff_required(GUARDED, "support")
    def staff_view():
        return "staff"

    @customer_required(GUARDED)
    def customer_view():
        return "customer"

    with app.test_request_context(headers=bearer(customer)):
        assert customer_view() == "customer"
        with pytest.raises(WrongTokenKind) as caught:
            staff_view()
        assert caught.value.status == 403
    with app.test_request_context(headers=bearer(staff)):
        assert staff_view() == "staff"
        with pytest.raises(WrongTokenKind):
            customer_view()


@pytest.mark.race
@pytest.mark.parametrize("racers", [2, 6])
def test_concurrent_refreshes_with_one_token_only_one_wins(app, racers):
    with app.app_context():
        account = make_account(db.session)
        db.session.commit()
        pair = login(app.test_client(), account.email)

    def refresh(_: int) -> tuple[int, dict]:
        response = _refresh(app.test_client(), pair["refresh_token"])
        return response.status_code, response.get_json()

    results = run_at_once(racers, refresh, timeout=60)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [401] * (racers - 1)
    assert {body["code"] for status, body in results if status == 401} == {"token_revoked"}
    with app.app_context():
        fam = decode_token(pair["refresh_token"])["fam"]
        rows = db.session.scalars(select(RefreshToken).where(RefreshToken.family_id == fam)).all()
        # The presented token was used exactly once: one successor was issued, not several.
        assert len(rows) == 2
        # A second presentation is a reuse, so the family ends (clients refresh one at a time).
        assert db.session.get(SessionFamily, fam).revoked_reason == "refresh_reuse"
        db.session.remove()


def test_a_customer_token_on_a_real_staff_route_is_403(client, db_session):
    account = make_account(db_session)
    response = client.get(
        "/api/v1/staff/customers",
        query_string={"email": account.email},
        headers={**auth_headers(client, account), "Accept-Language": "en"},
    )
    assert response.status_code == 403
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == "forbidden"
    assert response.get_json()["title"] == "You are not allowed to do this."
