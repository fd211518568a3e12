"""Fill Albanian and Serbian translations into the catalogs from a JSON file of our own.

Usage: .venv/bin/python tools/translate.py FILE.json [FILE.json ...]   (or simply `make i18n`)
Each FILE.json (tools/i18n/<domain>.json) maps each English msgid to {"sq": "...", "sr": "..."}.
Run `make extract-messages` first so the catalogs know every msgid; then this writes the msgstr
lines. Re-running is safe.
Hand-rolled because pybabel has no "merge translations from a table" command.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

TRANSLATIONS = Path(__file__).resolve().parents[1] / "ekesco_api" / "translations"


def main(paths: list[str]) -> None:
    table: dict[str, dict[str, str]] = {}
    for path in paths:
        table.update(json.loads(Path(path).read_text(encoding="utf-8")))
    for language in ("sq", "sr"):
        po_path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        changed = 0
        for msgid, texts in table.items():
            if language not in texts:
                continue
            message = catalog.get(msgid)
            if message is None:
                catalog.add(msgid, texts[language])
            else:
                message.string = texts[language]
                message.flags.discard("fuzzy")
            changed += 1
        with po_path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
        print(f"{language}: {changed} messages written")


if __name__ == "__main__":
    main(sys.argv[1:])
