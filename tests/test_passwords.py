"""argon2id hashing and the policy for new passwords."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from ekesco_api import passwords
from ekesco_api.i18n import language
from ekesco_api.passwords import (
    DUMMY_HASH,
    WeakPassword,
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)

PERSONAL = ["Arbën", "Krasniqi", "arben.krasniqi@example.com", "+38344123456"]


def test_hash_is_argon2id_with_owasp_minimum():
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(hashed, "correct horse battery")
    assert not needs_rehash(hashed)


def test_hashes_are_salted():
    assert hash_password("correct horse battery") != hash_password("correct horse battery")


def test_wrong_password_and_bad_hashes_give_false():
    hashed = hash_password("correct horse battery")
    assert not verify_password(hashed, "correct horse batterz")
    assert not verify_password("not a hash", "x")
    assert not verify_password("", "x")
    assert not verify_password("$argon2id$v=19$m=19456,t=2,p=1$broken", "x")


def test_composed_and_decomposed_letters_are_one_password():
    hashed = hash_password("fjalëkalimi im i gjatë")
    assert verify_password(hashed, "fjale\u0308kalimi im i gjate\u0308")


def test_needs_rehash_for_other_parameters_or_garbage():
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("x" * 12)
    assert needs_rehash(old)
    assert needs_rehash("garbage")


def test_dummy_hash_never_matches_but_costs_the_same():
    assert DUMMY_HASH.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert not verify_password(DUMMY_HASH, "")
    assert not verify_password(DUMMY_HASH, "correct horse battery")


def _reason(password: str, personal=PERSONAL) -> str | None:
    with language("en"):
        try:
            check_password_policy(password, personal=personal)
        except WeakPassword as error:
            assert error.status == 422
            assert error.code == "weak_password"
            assert error.errors == {"password": [str(error.detail)]}
            return str(error.detail)
    return None


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery",
        "x" * 12,  # no composition rules
        "583920174629",
        "Arben loves rocks",  # a name plus enough of one's own
        "ë" * 12,
        "a" * 128,
        "fjalëkalimi im i gjatë",
        "моја лозинка је дуга",
    ],
)
def test_acceptable(password):
    assert _reason(password) is None


def test_length_counts_code_points():
    assert _reason("ë" * 11) == "Use at least 12 characters."
    assert _reason("😀" * 12) is None  # 12 code points, 48 bytes
    assert _reason("a" * 129) == "Use at most 128 characters."
    assert _reason("short") == "Use at least 12 characters."


@pytest.mark.parametrize(
    "password", ["qwerty123456", "QWERTY123456", "1qaz2wsx3edc", "leavemealone"]
)
def test_common_passwords_refused_ignoring_case(password):
    assert _reason(password) == "This is one of the most common passwords. Choose another one."


def test_common_list_is_the_top_10000():
    common = passwords._common_passwords()
    assert len(common) <= 10_000
    assert "password" in common
    assert passwords._common_passwords() is common  # loaded once


PERSONAL_REASON = (
    "Do not build the password from your name, e-mail, phone number or the word eKesco."
)


@pytest.mark.parametrize(
    "password",
    [
        "Arben.Krasniqi1990",
        "ArbënKrasniqi!!",
        "krasniqi-arben",
        "ArbenArbenArben",
        "Kr@sn1q1Arben!",  # look-alike characters
        "arben.krasniqi@2024",
        "arben.krasniqi2024",
        "eKesco2024!!!!",
        "EKESCO-ekesco",
        "Kesco12345678",
        "044123456!!!",
        "+38344123456",
        "ArbenKrasniqiXYZ",  # fewer than 4 letters of one's own
    ],
)
def test_built_from_personal_data_refused(password):
    assert _reason(password) == PERSONAL_REASON


def test_personal_rule_with_serbian_name():
    personal = ["Đorđe", "Đorđević", "djole@example.rs", "+38345111222"]
    assert _reason("djordjedjordjevic", personal) == PERSONAL_REASON
    assert _reason("Djole!!2024!!", personal) == PERSONAL_REASON
    assert _reason("045111222abc", personal) == PERSONAL_REASON
    assert _reason("Đorđe voli planine", personal) is None


def test_personal_words_shorter_than_three_are_ignored():
    assert _reason("Li" * 6 + "Xy", ["Li", "Xy", "", None]) is None


@pytest.mark.parametrize(
    ("accept", "detail"),
    [
        ("sq", "Përdorni të paktën 12 karaktere."),
        ("en", "Use at least 12 characters."),
        ("sr", "Koristite najmanje 12 znakova."),
    ],
)
def test_detail_is_translated(app, accept, detail):
    with app.test_request_context(headers={"Accept-Language": accept}):
        with pytest.raises(WeakPassword) as caught:
            check_password_policy("short", personal=[])
        assert str(caught.value.detail) == detail
        assert caught.value.errors == {"password": [detail]}
