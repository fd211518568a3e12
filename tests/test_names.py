"""The name given at registration against the holder's name in the CIS."""

from __future__ import annotations

import pytest

from ekesco_api.names import fold, names_match


@pytest.mark.parametrize(
    ("given", "holder"),
    [
        (("Arbën", "Krasniqi"), ("Arben", "Krasniqi")),
        (("arben", "KRASNIQI"), ("Arbën", "Krasniqi")),
        (("  Arbën  ", " Krasniqi "), ("ARBËN", "KRASNIQI")),
        (("Çlirim", "Hoxha"), ("Clirim", "Hoxha")),
        (("Blerta", "Gashi-Berisha"), ("Blerta", "Gashi Berisha")),
        (("Fatmir", "Dreshaj"), ("Fatmir", "Dreshaj")),
        (("Miloš", "Petrović"), ("Milos", "Petrovic")),
        (("Žarko", "Čolić"), ("Zarko", "Colic")),
        (("Dušan", "Šćekić"), ("Dusan", "Scekic")),
        (("Đorđe", "Đorđević"), ("Djordje", "Djordjevic")),
        (("Đorđe", "Đorđević"), ("Dorde", "Dordevic")),
        (("Djordje", "Djordjevic"), ("Đorđe", "Đorđević")),
        (("Djordje", "Dordevic"), ("Đorđe", "Đorđević")),  # one đ each way
        (("ĐORĐE", "ĐORĐEVIĆ"), ("đorđe", "đorđević")),
        (("Ana Marija", "Jovanović"), ("Ana", "Marija Jovanović")),  # split differently
    ],
)
def test_matches(given, holder):
    assert names_match(*given, *holder)


@pytest.mark.parametrize(
    ("given", "holder"),
    [
        (("Ardian", "Krasniqi"), ("Arben", "Krasniqi")),
        (("Arben", "Krasniqi"), ("Arben", "Krasniq")),
        (("Krasniqi", "Arben"), ("Arben", "Krasniqi")),  # swapped: not the same record
        (("Dorde", "Dordevic"), ("Djordje", "Djordjevic")),  # no đ on either side
        (("Đorđe", "Đorđević"), ("Djjorde", "Dordevic")),
        (("", ""), ("", "")),
    ],
)
def test_does_not_match(given, holder):
    assert not names_match(*given, *holder)


def test_many_dj_do_not_explode():
    assert names_match("Đ" * 60, "Đ" * 60, "dj" * 60, "d" * 60)
    assert not names_match("Đ" * 60, "x", "dj" * 60, "y")


def test_fold():
    assert fold("  Ana-Marija   Đurić ") == "ana marija djuric"
    assert fold("Dreshaj-Ëmëri") == "dreshaj emeri"
