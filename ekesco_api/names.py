"""Compare a registrant's name with the holder's name in the CIS, as people actually type them."""

from __future__ import annotations

import re
import unicodedata

# Stands for đ while comparing: it may be written "dj" or "d" on the other side.
_DJ = "\x00"
_SEPARATORS = re.compile(r"[\s\-‐‑–—_]+")
_DROPPED = re.compile(r"['’`´.,]")


def fold(text: str) -> str:
    """Lower case without diacritics: ë → e, ç/ć/č → c, š → s, ž → z; đ → dj; spaces collapsed.

    Hyphens count as spaces ("Ana-Marija" = "Ana Marija"); apostrophes and dots are dropped.
    """
    return _fold(text).replace(_DJ, "dj")


def _fold(text: str) -> str:
    text = text.casefold().replace("đ", _DJ).replace("ð", _DJ)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _DROPPED.sub("", stripped)
    return _SEPARATORS.sub(" ", stripped).strip()


def _same(a: str, b: str) -> bool:
    """Equal strings, where the đ marker on either side matches "dj", "d" or another đ.

    A small dynamic programme rather than expanding every dj/d choice: a name with many đ would
    otherwise make 2^n spellings.
    """
    if _DJ not in a and _DJ not in b:
        return a == b
    n, m = len(a), len(b)
    # reach[i][j]: a[:i] and b[:j] can be matched.
    reach = [[False] * (m + 1) for _ in range(n + 1)]
    reach[0][0] = True
    for i in range(n + 1):
        for j in range(m + 1):
            if not reach[i][j]:
                continue
            if i < n and j < m and (a[i] == b[j] or (_DJ in (a[i], b[j]) and "d" in (a[i], b[j]))):
                reach[i + 1][j + 1] = True
            if i < n and a[i] == _DJ and b[j : j + 2] == "dj":
                reach[i + 1][j + 2] = True
            if j < m and b[j] == _DJ and a[i : i + 2] == "dj":
                reach[i + 2][j + 1] = True
    return reach[n][m]


def names_match(given_first: str, given_last: str, holder_first: str, holder_last: str) -> bool:
    """Whether the name given at registration is the holder's name in the CIS.

    Ignores case, extra spaces and diacritics; đ matches both "dj" and "d" (Đorđević =
    Djordjevic = Dordevic). The full names are compared in order, so a middle name that one side
    put in the first-name field and the other in the last-name field still matches; swapped first
    and last names do not (a mismatch only masks data on bills, a false match would reveal it).
    """
    given = _fold(f"{given_first} {given_last}")
    holder = _fold(f"{holder_first} {holder_last}")
    return bool(given) and _same(given, holder)
