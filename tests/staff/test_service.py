"""Staff use cases without HTTP: temporary passwords and the audited unit of work."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ekesco_api.errors import NotFound
from ekesco_api.passwords import check_password_policy
from ekesco_api.staff import service as staff_service
from ekesco_api.staff.audit import Actor, Record, audited
from ekesco_api.staff.models import AuditEntry
from tests.factories import make_account, make_staff

ACTOR = Actor(staff_id=None, role="support", email="agent@kesco-energy.com", request_id="r-1")


def test_temporary_passwords_pass_the_policy_and_differ(db_session):
    account = make_account(db_session)
    seen = {staff_service.temporary_password(account) for _ in range(20)}
    assert len(seen) == 20
    for password in seen:
        assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
        assert not re.search(r"\d{6}", password)
        check_password_policy(password, personal=[account.first_name, account.email])


def test_audited_commits_the_action_with_its_entry(db_session):
    account = make_account(db_session)
    with audited(db_session, actor=ACTOR, action="test_action") as record:
        account.language = "en"
        record.account_id = account.id
    db_session.expire_all()
    [entry] = db_session.scalars(select(AuditEntry)).all()
    assert (entry.action, entry.outcome, entry.account_id, entry.request_id) == (
        "test_action",
        "success",
        account.id,
        "r-1",
    )
    assert db_session.get(type(account), account.id).language == "en"


def test_audited_undoes_a_refused_action_but_records_the_refusal(db_session):
    account = make_account(db_session, language="sq")
    with (
        pytest.raises(NotFound),
        audited(db_session, actor=ACTOR, action="test_action", record=Record(reason="why")),
    ):
        account.language = "en"
        db_session.flush()
        raise NotFound()
    db_session.expire_all()
    [entry] = db_session.scalars(select(AuditEntry)).all()
    assert (entry.outcome, entry.error_code, entry.reason) == ("failed", "not_found", "why")
    assert db_session.get(type(account), account.id).language == "sq"


def test_audited_records_nothing_for_a_bug(db_session):
    with pytest.raises(ZeroDivisionError), audited(db_session, actor=ACTOR, action="x"):
        1 / 0  # noqa: B018
    assert db_session.scalars(select(AuditEntry)).all() == []


def test_create_staff_refuses_an_unknown_role(db_session):
    with pytest.raises(ValueError, match="role"):
        staff_service.create_staff(
            db_session, email="x@kesco-energy.com", role="root", password="tangerine-walrus-31"
        )


def test_create_staff_refuses_a_duplicate(db_session):
    make_staff(db_session, email="dup@kesco-energy.com")
    with pytest.raises(staff_service.StaffExists):
        staff_service.create_staff(
            db_session, email="DUP@kesco-energy.com", role="admin", password="tangerine-walrus-31"
        )
