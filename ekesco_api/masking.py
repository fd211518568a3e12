"""Masking of a holder's name and address when the app user's name does not match the CIS holder.

Every response that shows a holder's name or an address, and the printable bill, goes through
`mask_holder` (or `mask_text`), told by `shown_unmasked` whether to mask, so that the rule is
applied in one place only.

Whose name is compared: the account's registered name with the holder of the supply point the
name or address belongs to, never of the account's own supply point only. An account can add
the meter of another holder's code (POST /meters needs only the code and the meter number), and
that holder's data stays masked for it however well its own name matches its own code. For the
account's own code the outcome is its `Account.name_matches_holder`, which registration and the
CIS import compute with the same `names_match`.

The rule (api-contract.md, "Masking"): each word keeps its first two letters and the rest becomes
`**` ("Arben Krasniqi" → "Ar** Kr**"). What counts as a word, and the edge cases:

- The text is normalised to NFC first, so "e" + combining diaeresis is the one letter "ë"; a
  combining mark with no precomposed form stays with its letter and never counts as a letter of
  its own. Invisible format characters (zero-width spaces, soft hyphens, direction marks) are
  dropped, so that they can neither split a word to reveal more of it nor survive into the output.
- A word is a run of letters. Everything else (hyphens, apostrophes, dots, commas, slashes) is kept
  where it is and separates words: "Krasniqi-Berisha" → "Kr**-Be**", "Rr." → "Rr**.". Each part of a
  multi-part name is masked on its own: "Ana Marija Đorđević" → "An** Ma** Đo**".
- Every word gets `**`, even a word of one or two letters ("Al" → "Al**", the initial "B." →
  "B**."). `**` stands for "possibly more", so the output never tells whether a word was short;
  leaving short words bare would reveal them whole and show that they were short.
- Any run of letters and digits that contains a digit (house, flat and postal numbers: "12",
  "12A", "10000") becomes `**` whole. The first two letters of a word let a holder recognise their
  own bill; the first digits of a house number only narrow down where they live.
- Runs of whitespace become one space and the ends are trimmed; an empty or blank value gives "".
- Letter case is kept ("ARBEN" → "AR**"). Digraphs count as two letters, so Albanian "Shpëtim" shows
  "Sh**" and Serbian "Ljubica" shows "Lj**" (Unicode's one-character "ǈ" counts as one letter).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, NamedTuple

from ekesco_api.names import names_match

MASK = "**"
_KEPT_LETTERS = 2
_WHITESPACE = re.compile(r"\s+")


class MaskedHolder(NamedTuple):
    """A holder's name and address as a response or a printed bill may show them.

    The fields are named as the contract's bill fields, so a schema can dump them as they are and
    `BillDocument(**holder._asdict(), ...)` fills the printed bill.
    """

    holder_name: str
    address: str
    masked: bool


def mask_holder(name: str, address: str, *, name_matches_holder: bool) -> MaskedHolder:
    """The holder's name and address, masked unless the account's name matches the holder's.

    Unmasked values are returned as the CIS has them; `masked` says which way it went, for the
    `masked` field of a bill and the note on the printed one.
    """
    if name_matches_holder:
        return MaskedHolder(name, address, masked=False)
    return MaskedHolder(mask_text(name), mask_text(address), masked=True)


def shown_unmasked(
    *,
    own_code: bool,
    own_code_matches: bool,
    given_first: str,
    given_last: str,
    holder_first: str,
    holder_last: str,
) -> bool:
    """Whether an account may see a supply point's holder and address as they are.

    `own_code`: the supply point is the one the account registered with; `own_code_matches` is
    then its `name_matches_holder`, which stays what `GET /me` shows (registration and the CIS
    import set it by `names_match`). Any other supply point (added with POST /meters): whether
    `names_match` the name the account registered with (`given_*`) and that supply point's
    holder (`holder_*`).
    """
    if own_code:
        return own_code_matches
    return names_match(given_first, given_last, holder_first, holder_last)


def row_shown_unmasked(row: Any) -> bool:
    """`shown_unmasked` for a row read with `is_primary`, `name_matches_holder` and the labelled
    names of `meters.service.HOLDER_NAME_COLUMNS`, as the meter and bill statements are."""
    return shown_unmasked(
        own_code=bool(row.is_primary),
        own_code_matches=row.name_matches_holder,
        given_first=row.given_first_name,
        given_last=row.given_last_name,
        holder_first=row.holder_first_name,
        holder_last=row.holder_last_name,
    )


def mask_text(value: str) -> str:
    """Keep the first two letters of every word and replace the rest with `**`; see the module."""
    text = unicodedata.normalize("NFC", value)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _WHITESPACE.sub(" ", text).strip()
    out: list[str] = []
    word: list[str] = []
    for ch in text:
        if _in_word(ch, word):
            word.append(ch)
            continue
        out.append(_mask_word(word))
        word = []
        out.append(ch)
    out.append(_mask_word(word))
    return "".join(out)


def _in_word(ch: str, word: list[str]) -> bool:
    """Letters and digits make words; a combining mark belongs to the letter before it."""
    if ch.isalnum():
        return True
    return bool(word) and unicodedata.category(ch).startswith("M")


def _mask_word(chars: list[str]) -> str:
    if not chars:
        return ""
    if any(ch.isnumeric() for ch in chars):
        return MASK
    kept: list[str] = []
    letters = 0
    for ch in chars:
        if not unicodedata.category(ch).startswith("M"):
            letters += 1
            if letters > _KEPT_LETTERS:
                break
        kept.append(ch)
    return "".join(kept) + MASK
