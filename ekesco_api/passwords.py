"""Passwords: argon2id hashes, and the policy a new password must meet (NIST SP 800-63B style)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from ekesco_api.errors import WeakPassword
from ekesco_api.i18n import _l
from ekesco_api.names import fold

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORDS = 10_000
# What must remain of a password once the person's own words, digits and punctuation are taken
# out; less than this and the password is just those words dressed up.
MIN_OWN_LETTERS = 4
SERVICE_WORDS = ("ekesco", "kesco")

# OWASP Password Storage Cheat Sheet's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
# Set explicitly: argon2-cffi's defaults (RFC 9106 low-memory profile) may change between versions,
# and a change would silently alter the cost of every login.
_hasher = PasswordHasher(
    time_cost=2, memory_cost=19_456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)


def _normalise(password: str) -> str:
    # NIST asks for NFKC/NFKD so that the same password typed on two keyboards (composed ë or
    # e + combining diaeresis) is the same password.
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """An argon2id hash (PHC string, salt and parameters inside) of the password."""
    return _hasher.hash(_normalise(password))


def verify_password(hash: str, password: str) -> bool:
    """Whether the password matches the hash; False (never an exception) for a bad hash."""
    try:
        return _hasher.verify(hash, _normalise(password))
    except (VerificationError, InvalidHashError, TypeError, ValueError):
        return False


def needs_rehash(hash: str) -> bool:
    """Whether the hash was made with other parameters than today's (rehash after login)."""
    try:
        return _hasher.check_needs_rehash(hash)
    except (InvalidHashError, TypeError, ValueError):
        return True


# Verify against this when the user does not exist, so that an unknown e-mail costs as much
# time as a wrong password and response times do not reveal who has an account.
DUMMY_HASH = hash_password(secrets.token_urlsafe(24))


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.casefold() for p in FREQUENCY_LISTS["passwords"][:COMMON_PASSWORDS])


_NOT_ALNUM = re.compile(r"[\W_]+")
_NOT_LETTER = re.compile(r"[\W\d_]+")
# Look-alike characters people swap into words; "1" stands for i or l, so both are tried.
_LEET_I = str.maketrans({"@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s",
                         "5": "s", "7": "t"})  # fmt: skip
_LEET_L = str.maketrans({"@": "a", "4": "a", "3": "e", "1": "l", "!": "i", "0": "o", "$": "s",
                         "5": "s", "7": "t"})  # fmt: skip


def _squash(text: str) -> str:
    """Lower case, no diacritics (đ → dj), letters and digits only."""
    return _NOT_ALNUM.sub("", fold(text))


def _personal_words(personal: Iterable[str | None]) -> list[str]:
    words: set[str] = set(SERVICE_WORDS)
    for item in personal:
        if not item:
            continue
        text = item.split("@", 1)[0] if "@" in item else item
        words.add(_squash(text))
        words.update(_squash(part) for part in re.split(r"[\W_]+", text))
        digits = re.sub(r"\D", "", item)
        if len(digits) == 11 and digits.startswith("383"):
            # A phone in E.164: people type it the national way.
            words.update({digits[3:], "0" + digits[3:]})
    # Longest first, so that "krasniqi" goes before a shorter word inside it.
    return sorted((w for w in words if len(w) >= 3), key=len, reverse=True)


def _built_from(candidate: str, words: list[str]) -> bool:
    found = False
    for word in words:
        if word in candidate:
            found = True
            candidate = candidate.replace(word, "")
    return found and len(_NOT_LETTER.sub("", candidate)) < MIN_OWN_LETTERS


def is_built_from_personal_data(password: str, personal: Iterable[str | None]) -> bool:
    """Whether the password is only the person's own words, digits and punctuation.

    The rule: fold the password (lower case, no diacritics), take out every occurrence of the
    person's first and last name, the e-mail's local part (whole and each piece between dots,
    dashes, underscores), the phone's digits (+383…, 0…, without 0), and "eKesco"/"Kesco", then
    drop digits and punctuation. If at least one of those words was there and fewer than 4
    letters remain, the password is refused: "Arben.Krasniqi1990", "eKesco2024!!!" and
    "Kr@sn1q1Arben" are refused; "Arben loves rocks" is fine. The same is tried with look-alike
    characters read as letters (@ → a, 3 → e, 1 → i or l, 0 → o, $ → s, …).
    """
    words = _personal_words(personal)
    folded = fold(_normalise(password))
    plain = _NOT_ALNUM.sub("", folded)
    if _built_from(plain, words):
        return True
    for table in (_LEET_I, _LEET_L):
        if _built_from(_NOT_ALNUM.sub("", folded.translate(table)), words):
            return True
    return False


def check_password_policy(password: str, *, personal: Iterable[str | None]) -> None:
    """Raise 422 `weak_password`, saying which rule failed, unless the password is acceptable.

    Rules: 12 to 128 characters (code points, after NFKC), not among the 10,000 most common
    passwords (ignoring case), not built from the person's own data (see
    `is_built_from_personal_data`). No composition rules: length beats forced symbols.
    """
    password = _normalise(password)
    if len(password) < MIN_LENGTH:
        raise WeakPassword(_l("Use at least 12 characters."))
    if len(password) > MAX_LENGTH:
        raise WeakPassword(_l("Use at most 128 characters."))
    if password.casefold() in _common_passwords():
        raise WeakPassword(_l("This is one of the most common passwords. Choose another one."))
    if is_built_from_personal_data(password, personal):
        raise WeakPassword(
            _l("Do not build the password from your name, e-mail, phone number or the word eKesco.")
        )
