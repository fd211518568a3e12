"""Masking of holders' names and addresses: Albanian and Serbian names, hyphens, short words."""

from __future__ import annotations

import unicodedata

import pytest

from ekesco_api.masking import MaskedHolder, mask_holder, mask_text, shown_unmasked


def _visible_letters_per_word(masked: str) -> list[int]:
    words = masked.replace("**", " ").split()
    return [sum(ch.isalpha() for ch in word) for word in words]


def test_the_contract_example() -> None:
    assert mask_text("Arben Krasniqi") == "Ar** Kr**"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Shpëtim Gërguri", "Sh** Gë**"),
        ("Ëmine Çeku", "Ëm** Çe**"),
        ("Çlirim Xhaka", "Çl** Xh**"),
        ("Valbonë Dëshira", "Va** Dë**"),
        ("Đorđe Čolić", "Đo** Čo**"),
        ("Željko Šarić", "Že** Ša**"),
        ("Ćamil Žužić", "Ća** Žu**"),
        ("Šćepan Đukić", "Šć** Đu**"),
        ("Snežana Đurđević", "Sn** Đu**"),
        ("ĐURĐA ŽIVKOVIĆ", "ĐU** ŽI**"),
        ("Ljubica Njegoš", "Lj** Nj**"),
    ],
)
def test_albanian_and_serbian_letters_count_as_one_letter_each(name: str, masked: str) -> None:
    assert mask_text(name) == masked


def test_combining_marks_are_normalised_to_the_precomposed_letter() -> None:
    decomposed = unicodedata.normalize("NFD", "Ëmine Gërguri Čolić")
    assert decomposed != "Ëmine Gërguri Čolić"
    assert mask_text(decomposed) == "Ëm** Gë** Čo**"
    assert unicodedata.is_normalized("NFC", mask_text(decomposed))


def test_a_mark_without_precomposed_form_stays_with_its_letter() -> None:
    # "x" with an acute has no single code point: it is one letter of two characters.
    assert mask_text("x\u0301yz abc") == "x\u0301y** ab**"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Krasniqi-Berisha", "Kr**-Be**"),
        ("Arta Krasniqi-Berisha", "Ar** Kr**-Be**"),
        ("Ana-Marija Jovanović-Đurić", "An**-Ma** Jo**-Đu**"),
        ("Mehmet Ali Ramadani", "Me** Al** Ra**"),
        ("Ana Marija Đorđević", "An** Ma** Đo**"),
        ("O'Neill", "O**'Ne**"),
        ("Nushi, Arta", "Nu**, Ar**"),
    ],
)
def test_hyphens_apostrophes_and_multi_part_names(name: str, masked: str) -> None:
    assert mask_text(name) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Al", "Al**"),
        ("B", "B**"),
        ("Ramë I. Hoxha", "Ra** I**. Ho**"),
        ("Li Na", "Li** Na**"),
    ],
)
def test_short_words_are_masked_too(name: str, masked: str) -> None:
    assert mask_text(name) == masked


def test_the_mask_does_not_tell_whether_a_word_was_short() -> None:
    assert mask_text("Al") == mask_text("Ali") == mask_text("Alexandros")


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("Rr. Nëna Terezë 12", "Rr**. Në** Te** **"),
        ("Rr. Nëna Terezë 12, Dardania, Prishtinë", "Rr**. Në** Te** **, Da**, Pr**"),
        ("Lagjja Kalabria, Hyrja 3, Banesa 12A", "La** Ka**, Hy** **, Ba** **"),
        (
            "Ulica Kralja Petra I 45/7, 38220 Kosovska Mitrovica",
            "Ul** Kr** Pe** I** **/**, ** Ko** Mi**",
        ),
        ("10000 Prishtinë", "** Pr**"),
    ],
)
def test_numbers_in_addresses_are_hidden_whole(address: str, masked: str) -> None:
    assert mask_text(address) == masked
    assert not any(ch.isdigit() for ch in mask_text(address))


@pytest.mark.parametrize("value", ["", " ", "  \t\n  "])
def test_empty_and_blank_values_give_an_empty_string(value: str) -> None:
    assert mask_text(value) == ""


def test_whitespace_is_collapsed_and_trimmed() -> None:
    assert mask_text("  Arben \t  Krasniqi\n") == "Ar** Kr**"


def test_invisible_characters_cannot_split_a_word_to_reveal_more() -> None:
    assert mask_text("Ar\u200bben Kra\u00adsniqi") == "Ar** Kr**"
    assert mask_text("\u200fArben\u200e") == "Ar**"


def test_letter_case_is_kept() -> None:
    assert mask_text("ARBEN krasniqi") == "AR** kr**"


@pytest.mark.parametrize(
    "value",
    [
        "Shpëtim Gërguri",
        "Đorđe Čolić",
        "Ana-Marija Jovanović-Đurić",
        "Rr. Nëna Terezë 12, Dardania, Prishtinë",
        "Lagjja Kalabria, Hyrja 3, Banesa 12A",
    ],
)
def test_no_word_shows_more_than_two_letters(value: str) -> None:
    masked = mask_text(value)
    assert masked
    assert max(_visible_letters_per_word(masked)) <= 2


def test_mask_holder_masks_name_and_address_when_the_names_differ() -> None:
    holder = mask_holder(
        "Arben Krasniqi", "Rr. Nëna Terezë 12, Prishtinë", name_matches_holder=False
    )
    assert holder == MaskedHolder("Ar** Kr**", "Rr**. Në** Te** **, Pr**", masked=True)


def test_mask_holder_leaves_the_data_as_it_is_when_the_names_match() -> None:
    holder = mask_holder("Đorđe  Čolić", "Rr. Nëna Terezë 12", name_matches_holder=True)
    assert holder == MaskedHolder("Đorđe  Čolić", "Rr. Nëna Terezë 12", masked=False)


def test_mask_holder_fields_are_the_contracts_bill_fields() -> None:
    name, address, masked = mask_holder("Arben Krasniqi", "", name_matches_holder=False)
    assert (name, address, masked) == ("Ar** Kr**", "", True)
    holder = mask_holder("Arben Krasniqi", "Prishtinë", name_matches_holder=False)
    assert holder._asdict() == {"holder_name": "Ar** Kr**", "address": "Pr**", "masked": True}


@pytest.mark.parametrize(
    "own_code,flag,holder,expected",
    [
        (True, True, ("Drita", "Berisha"), True),  # the own code: the flag decides
        (True, False, ("Arben", "Krasniqi"), False),
        (False, True, ("Drita", "Berisha"), False),  # an added code: its own holder decides
        (False, False, ("Arbën", "Krasniqi"), True),
        (False, True, ("Krasniqi", "Arben"), False),  # swapped names never match
    ],
)
def test_shown_unmasked(own_code, flag, holder, expected):
    assert (
        shown_unmasked(
            own_code=own_code,
            own_code_matches=flag,
            given_first="Arben",
            given_last="Krasniqi",
            holder_first=holder[0],
            holder_last=holder[1],
        )
        is expected
    )
