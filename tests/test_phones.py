"""Kosovo mobile numbers in the forms people type; landlines and foreign numbers refused."""

from __future__ import annotations

import pytest

from ekesco_api.phones import carrier_of, parse_kosovo_mobile


@pytest.mark.parametrize(
    "raw",
    [
        "044 123 456",
        "044123456",
        "044-123-456",
        "(044) 123 456",
        "+383 44 123 456",
        "+38344123456",
        "0038344123456",
        "00383 44 123 456",
        "38344123456",  # no +: international, not a Prishtina landline
        "383 44 123 456",
        "  044 123 456  ",
    ],
)
def test_accepts_the_usual_forms_of_one_vala_number(raw):
    assert parse_kosovo_mobile(raw) == "+38344123456"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("043 123 456", "+38343123456"),
        ("045 123 456", "+38345123456"),
        ("046 123 456", "+38346123456"),
        ("047 123 456", "+38347123456"),
        ("048 123 456", "+38348123456"),
        ("049 123 456", "+38349123456"),
        ("38349123456", "+38349123456"),
    ],
)
def test_accepts_every_mobile_range(raw, e164):
    assert parse_kosovo_mobile(raw) == e164


@pytest.mark.parametrize(
    "raw",
    [
        "038 123 456",  # Prishtina landline
        "+383 38 123 456",
        "38338123456",  # a landline typed without +
        "029 123 456",  # Prizren landline
        "+381 64 123 4567",  # Serbian mobile
        "+355 69 123 4567",  # Albanian mobile
        "+49 151 12345678",  # German mobile
        "0044 7700 900123",  # UK
        "044 123 45",  # too short
        "044 123 4567",  # too long
        "044 ABC DEF",  # letters are not keypad digits here
        "",
        "+",
        "phone",
        "0" * 40,
    ],
)
def test_refuses_landlines_foreign_and_malformed(raw):
    with pytest.raises(ValueError):
        parse_kosovo_mobile(raw)


def test_refuses_non_strings():
    with pytest.raises(ValueError):
        parse_kosovo_mobile(44123456)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("e164", "operator"),
    [("+38344123456", "vala"), ("+38349123456", "IPKO"), ("+38347123456", "mts")],
)
def test_carrier_comes_from_phonenumbers(e164, operator):
    assert operator.lower() in (carrier_of(e164) or "").lower()


def test_carrier_unknown_is_none():
    assert carrier_of("+38338123456") is None
    assert carrier_of("not a number") is None
