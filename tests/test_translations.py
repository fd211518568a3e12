"""Every message the code can show exists in Albanian and Serbian, and the catalogs compile."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ekesco_api"
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None}


def _messages_in_code() -> set[str]:
    found = set()
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=method_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", ["sq", "sr"])
def test_every_message_is_translated(language: str) -> None:
    po = PACKAGE / "translations" / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        m.id for m in catalog if m.id and m.string and not m.fuzzy and isinstance(m.id, str)
    }
    missing = sorted(_messages_in_code() - translated)
    assert missing == [], f"untranslated in {language} (run `make extract-messages`): {missing}"
