"""The registration use cases without HTTP: conflicts, races mapped to 409, delivery status."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ekesco_api.accounts.models import Account
from ekesco_api.registration import service
from ekesco_api.registration.errors import (
    CodeInvalid,
    CustomerCodeTaken,
    CustomerCodeUnknown,
    EmailTaken,
    PhoneTaken,
    VerificationNotFound,
)
from ekesco_api.registration.models import VerificationCode
from tests.factories import make_supply_point
from tests.registration.helpers import make_pending_account


def _register(session, **overrides):
    values = {
        "customer_code": "DGJ 0042137",
        "first_name": "Đorđe",
        "last_name": "Đorđević",
        "phone": "+38345111222",
        "email": "djordje@example.rs",
        "personal_number": "1234567890",
        "id_card_expiry": dt.date(2031, 1, 1),
        "password": "violet harbour lantern",
        "language": "sr",
    }
    values.update(overrides)
    return service.register_account(session, **values)


@pytest.fixture
def serbian_holder(db_session):
    return make_supply_point(
        db_session, customer_code="DGJ 0042137", first_name="Djordje", last_name="Djordjevic"
    )


def test_register_returns_account_and_verification(db_session, serbian_holder):
    registration = _register(db_session)
    account = db_session.get(Account, registration.account_id)
    assert registration.status == "pending_verification"
    assert registration.verification.channel == "sms"
    assert registration.verification.destination == "+38345111222"
    assert account.supply_point_id == serbian_holder.id
    assert account.name_matches_holder is True  # Đorđević = Djordjevic
    assert account.language == "sr"


def test_register_unknown_code(db_session):
    with pytest.raises(CustomerCodeUnknown):
        _register(db_session, customer_code="DGJ 0000000")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"email": "other@example.com", "phone": "+38349000000"}, CustomerCodeTaken),
        ({"customer_code": "DPR 1", "phone": "+38349000000"}, EmailTaken),
        ({"customer_code": "DPR 1", "email": "DJORDJE@EXAMPLE.RS"}, EmailTaken),
        ({"customer_code": "DPR 1", "email": "other@example.com"}, PhoneTaken),
    ],
)
def test_conflicts(db_session, serbian_holder, overrides, error):
    make_supply_point(db_session, customer_code="DPR 1")
    _register(db_session)
    with pytest.raises(error):
        _register(db_session, **overrides)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"email": "other@example.com", "phone": "+38349000000"}, CustomerCodeTaken),
        ({"customer_code": "DPR 1", "phone": "+38349000000"}, EmailTaken),
        ({"customer_code": "DPR 1", "email": "other@example.com"}, PhoneTaken),
    ],
)
def test_a_lost_race_becomes_the_right_409(
    db_session, serbian_holder, monkeypatch, overrides, error
):
    """The checks pass (the winner has not committed yet), the INSERT then fails."""
    make_supply_point(db_session, customer_code="DPR 1")
    _register(db_session)
    real = service._conflict
    calls = []

    def blind_first(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            real(*args, **kwargs)

    monkeypatch.setattr(service, "_conflict", blind_first)
    with pytest.raises(error):
        _register(db_session, **overrides)
    assert len(calls) == 2
    assert len(db_session.scalars(select(Account)).all()) == 1


def test_a_stale_registration_that_cannot_go_stays(db_session, serbian_holder, monkeypatch):
    """If something still points to the old registration, it holds the code: a 409, not a 500."""
    from sqlalchemy.exc import IntegrityError

    _register(db_session)
    account = db_session.scalars(select(Account)).one()
    account.created_at = account.created_at - dt.timedelta(days=2)
    db_session.flush()

    def refuse(*args, **kwargs):
        raise IntegrityError("DELETE", {}, Exception("still referenced"))

    monkeypatch.setattr(db_session, "execute", _fail_on_delete(db_session.execute, refuse))
    with pytest.raises(CustomerCodeTaken):
        _register(db_session, email="other@example.com", phone="+38349000000")


def _fail_on_delete(execute, refuse):
    def wrapped(statement, *args, **kwargs):
        if getattr(statement, "is_delete", False):
            refuse()
        return execute(statement, *args, **kwargs)

    return wrapped


def test_verify_unknown_and_active_emails_are_invalid_codes(db_session):
    account = make_pending_account(db_session, status="active")
    for email in ("nobody@example.com", account.email):
        with pytest.raises(CodeInvalid):
            service.verify_registration(db_session, email=email, code="123456")


def test_resend_for_an_unknown_email_sends_nothing(db_session):
    service.resend_registration_code(db_session, email="nobody@example.com", channel="sms")
    assert db_session.scalars(select(VerificationCode)).all() == []


def test_status_without_a_message_is_queued(db_session, serbian_holder):
    registration = _register(db_session)
    registration.verification.message = None
    db_session.flush()
    status = service.verification_status(
        db_session, public_id=str(registration.verification.public_id), language="en"
    )
    assert status["delivery"] == "queued"
    assert status["carrier"] == "vala"


def test_status_of_an_unknown_id(db_session):
    with pytest.raises(VerificationNotFound):
        service.verification_status(db_session, public_id="nope", language="en")
