"""Verification codes: issue, check, expiry, tries, cooldown, channels, messages."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import select

from ekesco_api.registration import codes
from ekesco_api.registration.codes import (
    CodeExpired,
    CodeInvalid,
    ResendTooSoon,
    TooManyAttempts,
    check_code,
    issue_code,
)
from ekesco_api.registration.models import VerificationCode
from ekesco_api.types import utcnow
from tests.registration.helpers import code_in, make_pending_account


class Clock:
    """Stands in for codes.utcnow; `advance` moves time on."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(codes, "utcnow", clock)
    return clock


@pytest.fixture
def account(db_session):
    return make_pending_account(db_session)


def _issue(session, account, *, purpose="registration", channel="sms", destination=None):
    return issue_code(
        session,
        account=account,
        purpose=purpose,
        channel=channel,
        destination=destination or (account.phone if channel == "sms" else account.email),
    )


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_issue_queues_the_message_and_stores_only_a_mac(db_session, account, clock):
    verification = _issue(db_session, account)
    assert verification.expires_at == clock.now + dt.timedelta(minutes=10)
    assert verification.resend_after == clock.now + dt.timedelta(seconds=60)
    assert verification.attempts == 0
    message = verification.message
    assert message is not None and message.id == verification.message_id
    assert (message.channel, message.recipient, message.status) == ("sms", account.phone, "queued")
    assert message.account_id == account.id
    code = code_in(message.body)
    assert re.fullmatch(r"[0-9a-f]{64}", verification.code_mac)
    assert code not in verification.code_mac
    assert verification.public_id.version == 4


def test_codes_are_random_six_digits():
    seen = {codes.generate_code() for _ in range(200)}
    assert all(re.fullmatch(r"\d{6}", c) for c in seen)
    assert len(seen) > 190


def test_same_code_in_two_rows_has_different_macs(app):
    first, second = uuid.uuid4(), uuid.uuid4()
    assert codes._mac(first, "registration", "123456") != codes._mac(
        second, "registration", "123456"
    )


def test_check_consumes_the_code(db_session, account, clock):
    code = code_in(_issue(db_session, account).message.body)
    used = check_code(db_session, account=account, purpose="registration", code=code)
    assert used.used_at == clock.now
    assert used.attempts == 1
    with pytest.raises(CodeInvalid):
        check_code(db_session, account=account, purpose="registration", code=code)


def test_code_is_bound_to_its_purpose(db_session, account):
    code = code_in(_issue(db_session, account).message.body)
    with pytest.raises(CodeInvalid):
        check_code(db_session, account=account, purpose="phone_change", code=code)


def test_code_of_another_account_is_invalid(db_session, account):
    other = make_pending_account(db_session)
    code = code_in(_issue(db_session, other).message.body)
    _issue(db_session, account)
    with pytest.raises(CodeInvalid):
        check_code(db_session, account=account, purpose="registration", code=code)


def test_no_code_at_all_is_invalid(db_session, account):
    with pytest.raises(CodeInvalid):
        check_code(db_session, account=account, purpose="registration", code="123456")


def test_code_expires_after_ten_minutes(db_session, account, clock):
    code = code_in(_issue(db_session, account).message.body)
    clock.advance(minutes=9, seconds=59)
    check_code(db_session, account=account, purpose="registration", code=code)

    code = code_in(_issue(db_session, account).message.body)
    clock.advance(minutes=10)
    with pytest.raises(CodeExpired):
        check_code(db_session, account=account, purpose="registration", code=code)
    with pytest.raises(CodeExpired):  # a wrong one too: there is nothing left to guess
        check_code(db_session, account=account, purpose="registration", code=_wrong(code))


def test_five_wrong_tries_burn_the_code(db_session, account, clock):
    code = code_in(_issue(db_session, account).message.body)
    for _ in range(4):
        with pytest.raises(CodeInvalid):
            check_code(db_session, account=account, purpose="registration", code=_wrong(code))
    with pytest.raises(TooManyAttempts) as caught:
        check_code(db_session, account=account, purpose="registration", code=_wrong(code))
    assert caught.value.status == 429
    assert caught.value.code == "too_many_attempts"
    with pytest.raises(TooManyAttempts):
        check_code(db_session, account=account, purpose="registration", code=code)
    # A new code starts afresh.
    clock.advance(seconds=60)
    fresh = code_in(_issue(db_session, account).message.body)
    check_code(db_session, account=account, purpose="registration", code=fresh)


def test_a_wrong_try_is_committed(db_session, account):
    verification = _issue(db_session, account)
    db_session.commit()
    with pytest.raises(CodeInvalid):
        check_code(db_session, account=account, purpose="registration", code="000000")
    db_session.rollback()  # what a failing request does after the error
    db_session.refresh(verification)
    # (the issued code could be 000000 itself once in a million runs)
    assert verification.attempts == 1 or verification.used_at is not None


def test_malformed_guess_spends_no_try(db_session, account):
    verification = _issue(db_session, account)
    for guess in ("", "12345", "1234567", "abcdef", "12 34 5"):
        with pytest.raises(CodeInvalid):
            check_code(db_session, account=account, purpose="registration", code=guess)
    db_session.refresh(verification)
    assert verification.attempts == 0


def test_spaces_and_dashes_in_the_code_are_ignored(db_session, account):
    code = code_in(_issue(db_session, account).message.body)
    check_code(db_session, account=account, purpose="registration", code=f" {code[:3]}-{code[3:]} ")


def test_secret_key_is_part_of_the_mac(app, db_session, account, monkeypatch):
    code = code_in(_issue(db_session, account).message.body)
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-" + "y" * 32)
    with pytest.raises(CodeInvalid):
        check_code(db_session, account=account, purpose="registration", code=code)


def test_resend_cooldown(db_session, account, clock):
    _issue(db_session, account)
    clock.advance(seconds=45)
    with pytest.raises(ResendTooSoon) as caught:
        _issue(db_session, account)
    assert caught.value.status == 429
    assert caught.value.code == "resend_too_soon"
    assert caught.value.headers == {"Retry-After": "15"}
    clock.advance(seconds=15)
    _issue(db_session, account)


def test_cooldown_is_per_purpose(db_session, account):
    _issue(db_session, account)
    _issue(db_session, account, purpose="email_change", channel="email")


def test_email_channel(db_session, account):
    verification = _issue(db_session, account, channel="email")
    message = verification.message
    assert (message.channel, message.recipient) == ("email", account.email)
    assert message.subject == "Your eKesco code"
    code = code_in(message.body)
    check_code(db_session, account=account, purpose="registration", code=code)


def test_the_previous_code_stays_good_for_a_late_sms(db_session, account, clock):
    first = code_in(_issue(db_session, account).message.body)
    clock.advance(seconds=60)
    second = code_in(_issue(db_session, account, channel="email").message.body)
    clock.advance(seconds=60)
    third = code_in(_issue(db_session, account).message.body)
    with pytest.raises(CodeInvalid):  # two codes back: replaced
        check_code(db_session, account=account, purpose="registration", code=first)
    if second != third:
        check_code(db_session, account=account, purpose="registration", code=second)
        # Using one code retires the other.
        with pytest.raises(CodeInvalid):
            check_code(db_session, account=account, purpose="registration", code=third)


def test_a_wrong_try_counts_against_every_live_code(db_session, account, clock):
    first = _issue(db_session, account)
    clock.advance(seconds=60)
    second = _issue(db_session, account)
    codes_sent = {code_in(first.message.body), code_in(second.message.body)}
    guess = next(f"{n:06d}" for n in range(10) if f"{n:06d}" not in codes_sent)
    with pytest.raises(CodeInvalid):
        check_code(db_session, account=account, purpose="registration", code=guess)
    db_session.refresh(first)
    db_session.refresh(second)
    assert (first.attempts, second.attempts) == (1, 1)


def test_a_code_for_another_new_phone_is_replaced(db_session, account, clock):
    first = _issue(db_session, account, purpose="phone_change", destination="+38349111222")
    clock.advance(seconds=60)
    _issue(db_session, account, purpose="phone_change", destination="+38349333444")
    with pytest.raises(CodeInvalid):
        check_code(
            db_session, account=account, purpose="phone_change", code=code_in(first.message.body)
        )


def test_a_code_for_the_same_new_phone_stays_good(db_session, account, clock):
    first = _issue(db_session, account, purpose="phone_change", destination="+38349111222")
    clock.advance(seconds=60)
    _issue(db_session, account, purpose="phone_change", destination="+38349111222")
    check_code(
        db_session, account=account, purpose="phone_change", code=code_in(first.message.body)
    )


def test_unknown_purpose_or_channel(db_session, account):
    with pytest.raises(ValueError):
        _issue(db_session, account, purpose="login")
    with pytest.raises(ValueError):
        _issue(db_session, account, channel="push", destination="token")


def test_issue_does_not_commit(db_session, account):
    verification = _issue(db_session, account)
    db_session.rollback()
    assert db_session.scalars(select(VerificationCode)).all() == []
    assert verification.id is not None


WORDS = {
    ("registration", "sq"): "kodi juaj i regjistrimit",
    ("registration", "en"): "your registration code",
    ("registration", "sr"): "vaš kod za registraciju",
    ("phone_change", "sq"): "këtë numër telefoni",
    ("phone_change", "en"): "this phone number",
    ("phone_change", "sr"): "ovaj broj telefona",
    ("email_change", "sq"): "këtë adresë e-maili",
    ("email_change", "en"): "this e-mail address",
    ("email_change", "sr"): "ovu e-mail adresu",
}
SUBJECTS = {"sq": "Kodi juaj eKesco", "en": "Your eKesco code", "sr": "Vaš eKesco kod"}


@pytest.mark.parametrize(("purpose", "language"), sorted(WORDS))
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_message_in_the_account_language(db_session, purpose, language, channel):
    account = make_pending_account(db_session, language=language)
    message = _issue(db_session, account, purpose=purpose, channel=channel).message
    assert WORDS[purpose, language] in message.body
    assert "10" in message.body
    code_in(message.body)
    if channel == "email":
        assert message.subject == SUBJECTS[language]
