"""Rules of the account service that HTTP tests cannot reach easily: races and masking."""

from __future__ import annotations

import pytest

from ekesco_api.profile import service as profile_service
from ekesco_api.profile.errors import EmailTaken, PhoneTaken
from ekesco_api.registration.codes import issue_code
from tests.factories import make_account


def _pending_code(db_session, account, purpose, channel, destination, monkeypatch):
    # A known code: generate_code is the registration domain's; fix it for the test.
    monkeypatch.setattr("ekesco_api.registration.codes.generate_code", lambda: "246813")
    issue_code(
        db_session, account=account, purpose=purpose, channel=channel, destination=destination
    )
    return "246813"


def test_a_unique_violation_at_commit_is_email_taken(db_session, monkeypatch):
    # Two customers confirming the same address at the same moment both pass the check; the
    # unique index decides and the loser gets the 409, not a 500.
    account = make_account(db_session)
    make_account(db_session, email="contested@example.com")
    account.pending_email = "contested@example.com"
    code = _pending_code(
        db_session, account, "email_change", "email", "contested@example.com", monkeypatch
    )
    monkeypatch.setattr(profile_service, "email_owner", lambda *a, **k: None)
    with pytest.raises(EmailTaken):
        profile_service.confirm_email_change(db_session, account=account, code=code)


def test_a_unique_violation_at_commit_is_phone_taken(db_session, monkeypatch):
    account = make_account(db_session)
    make_account(db_session, phone="+38345111999")
    account.pending_phone = "+38345111999"
    code = _pending_code(db_session, account, "phone_change", "sms", "+38345111999", monkeypatch)
    monkeypatch.setattr(profile_service, "phone_owner", lambda *a, **k: None)
    with pytest.raises(PhoneTaken):
        profile_service.confirm_phone_change(db_session, account=account, code=code)


@pytest.mark.parametrize(
    ("address", "masked"),
    [("arben@example.com", "a***@example.com"), ("x@kesco.net", "x***@kesco.net")],
)
def test_the_new_address_is_masked_in_the_notice(address, masked):
    assert profile_service._mask_email(address) == masked
