"""Token pairs, session families and the per-request revocation check."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_jwt_extended import decode_token
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from ekesco_api.auth.models import RefreshToken, SessionFamily
from ekesco_api.auth.sessions import is_token_revoked, revoke_account_sessions, revoke_family
from ekesco_api.auth.tokens import issue_token_pair, start_session
from ekesco_api.staff.models import StaffMember
from tests.factories import make_account, make_staff


def test_pair_has_the_contract_shape(db_session):
    account = make_account(db_session)
    pair = issue_token_pair(db_session, account=account)
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert pair["token_type"] == "Bearer"
    assert pair["expires_in"] == 15 * 60


def test_access_token_claims(db_session):
    account = make_account(db_session)
    pair = issue_token_pair(db_session, account=account)
    claims = decode_token(pair["access_token"])
    assert claims["sub"] == str(account.id)
    assert claims["type"] == "access"
    assert claims["kind"] == "customer"
    assert claims["scope"] == "full"
    assert "role" not in claims
    assert claims["exp"] - claims["iat"] == 15 * 60
    family = db_session.get(SessionFamily, claims["fam"])
    assert family.account_id == account.id
    assert family.kind == "customer"


def test_refresh_token_names_its_stored_row(db_session):
    account = make_account(db_session)
    pair = issue_token_pair(db_session, account=account)
    claims = decode_token(pair["refresh_token"])
    assert claims["type"] == "refresh"
    assert claims["kind"] == "customer"
    row = db_session.get(RefreshToken, claims["jti"])
    assert row.family_id == claims["fam"]
    assert row.used_at is None
    # Stored expiry and the token's own agree (30 days).
    assert abs(row.expires_at.timestamp() - claims["exp"]) < 2
    assert claims["exp"] - claims["iat"] == 30 * 24 * 3600


def test_password_change_scope_is_carried(db_session):
    account = make_account(db_session)
    pair = issue_token_pair(db_session, account=account, scope="password_change")
    assert decode_token(pair["access_token"])["scope"] == "password_change"


def test_a_staff_session_carries_its_role(db_session):
    member = make_staff(db_session)
    pair = start_session(db_session, kind="staff", subject_id=member.id, role="support")
    claims = decode_token(pair["access_token"])
    assert (claims["kind"], claims["role"], claims["sub"]) == ("staff", "support", str(member.id))
    assert not is_token_revoked(claims)


def test_a_staff_session_names_a_staff_member_that_exists(db_session):
    member = make_staff(db_session)
    db_session.add(SessionFamily(kind="staff", staff_id=member.id, role="support"))
    db_session.flush()
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(SessionFamily(kind="staff", staff_id=member.id + 1000, role="support"))
        db_session.flush()


def test_a_staff_member_with_sessions_is_not_deleted(db_session):
    # Staff who leave are switched off, never deleted: the foreign key refuses it.
    member = make_staff(db_session)
    start_session(db_session, kind="staff", subject_id=member.id, role="support")
    db_session.flush()
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(delete(StaffMember).where(StaffMember.id == member.id))
    assert db_session.get(StaffMember, member.id) is not None


def test_unknown_kind_is_refused(db_session):
    with pytest.raises(ValueError):
        start_session(db_session, kind="robot", subject_id=1)


def test_each_login_is_its_own_family(db_session):
    account = make_account(db_session)
    first = decode_token(issue_token_pair(db_session, account=account)["access_token"])
    second = decode_token(issue_token_pair(db_session, account=account)["access_token"])
    assert first["fam"] != second["fam"]


def test_live_family_is_not_revoked(db_session):
    account = make_account(db_session)
    claims = decode_token(issue_token_pair(db_session, account=account)["access_token"])
    db_session.flush()
    assert is_token_revoked(claims) is False


def test_revoked_family_is_revoked(db_session):
    account = make_account(db_session)
    claims = decode_token(issue_token_pair(db_session, account=account)["access_token"])
    db_session.flush()
    assert revoke_family(db_session, family_id=claims["fam"], reason="logout") is True
    assert is_token_revoked(claims) is True
    # Revoking again changes nothing and says so.
    assert revoke_family(db_session, family_id=claims["fam"], reason="logout") is False
    family = db_session.get(SessionFamily, claims["fam"])
    db_session.refresh(family)
    assert family.revoked_reason == "logout"
    assert family.revoked_at <= dt.datetime.now(dt.UTC)


@pytest.mark.parametrize("payload", [{}, {"fam": None}, {"fam": 12}, {"fam": "0" * 32}])
def test_tokens_without_a_known_family_are_revoked(payload):
    assert is_token_revoked(payload) is True


def test_revoke_account_sessions_can_keep_the_current_one(db_session):
    account = make_account(db_session)
    other = make_account(db_session)
    keep = decode_token(issue_token_pair(db_session, account=account)["access_token"])
    drop = decode_token(issue_token_pair(db_session, account=account)["access_token"])
    stranger = decode_token(issue_token_pair(db_session, account=other)["access_token"])
    db_session.flush()
    count = revoke_account_sessions(
        db_session, account_id=account.id, reason="password_changed", keep_family_id=keep["fam"]
    )
    assert count == 1
    assert not is_token_revoked(keep)
    assert is_token_revoked(drop)
    assert not is_token_revoked(stranger)
    assert revoke_account_sessions(db_session, account_id=account.id, reason="x") == 1
    assert is_token_revoked(keep)
