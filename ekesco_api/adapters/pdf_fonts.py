"""TrueType fonts parsed once per process and given to every PDF document that uses them.

fpdf2's `FPDF.add_font` parses the font file anew for each document (fontTools tables, then a
width and a glyph id for each of DejaVu Sans's ~6,000 characters): some 20-25 ms per font, the
better part of a bill's render time. fpdf2 has no way to share a parsed font between documents,
so `add_font` here lets fpdf2 parse each font once (through its own `add_font`, on a throwaway
document) and hands every document a copy of that parse: the tables and metrics nobody changes
are shared, and what fpdf2 changes while it draws and writes one file is the document's own.

What each document gets of its own, and why:
- `ttfont`, the fontTools font: `output()` subsets it in place to the glyphs the document used
  and closes it, so each document gets a fresh one, opened lazily over the file's bytes (read
  once). The subsetting needs the glyph order and the post, hmtx and cmap tables decoded
  (another ~8 ms per font): they are decoded once too, kept pickled, and each document's font
  gets its own unpickled copy, which the subsetting is free to cut down. The embedded font is
  byte for byte what fpdf2's own add_font gives (tests/adapters/test_pdf_fonts.py).
- `desc`, the font descriptor: `output()` writes the PDF's object ids and the embedded font
  into it.
- `cw`, the widths: a defaultdict, which gains an entry for each character looked up that the
  font does not have.
- `subset`, `missing_glyphs`, `biggest_size_pt`: what the document used.
- `i`: the font's number in the document.

Documents are drawn on several threads at once (gunicorn gthread workers): the shared parts are
only read, and the first parse of each font happens under a lock, so it happens once.
"""

from __future__ import annotations

import copy
import functools
import io
import pickle
import threading
from dataclasses import dataclass
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

# TTFFont's attributes (its __slots__), split between those the documents share and those each
# document gets afresh. An fpdf2 release that adds one must be looked at before it is shared:
# the first parse refuses to go on when the split does not cover them all.
_SHARED = frozenset(
    {
        "type",
        "name",
        "fontkey",
        "emphasis",
        "ttffile",
        "scale",
        "cmap",  # the font's own cmap, only read
        "glyph_ids",  # only read
        "up",
        "ut",
        "sp",
        "ss",
        "unicode_range",
        "palette_index",
        "is_compressed",
        "is_cff",
        "is_cid_keyed",
        "is_symbol",
        "cff_ros",
        "collection_font_number",
    }
)
_PER_DOCUMENT = frozenset(
    {
        "i",
        "ttfont",
        "desc",
        "cw",
        "subset",
        "missing_glyphs",
        "biggest_size_pt",
        "_hbfont",
        "color_font",
    }
)

# The tables fontTools' subsetter always decodes and that take longest to decode.
_PREDECODED_TABLES = ("post", "hmtx", "cmap")

_lock = threading.Lock()


@dataclass(frozen=True)
class ParsedFont:
    """A font as fpdf2 parsed it (never drawn with itself), the bytes of its file, and its glyph
    order and `_PREDECODED_TABLES` as fontTools decodes them, pickled."""

    font: TTFFont
    data: bytes
    tables: bytes


@functools.cache
def parsed_font(family: str, style: str, path: Path) -> ParsedFont:
    """fpdf2's parse of the font, once per process; call it under `_lock` (see `add_font`).

    `parsed_font.cache_info()` tells how many parses there were (misses) and how many
    documents reused one (hits).
    """
    slots = set(TTFFont.__slots__)
    if slots != _SHARED | _PER_DOCUMENT:
        unknown = sorted(slots ^ (_SHARED | _PER_DOCUMENT))
        raise RuntimeError(f"fpdf2's TTFFont changed ({', '.join(unknown)}): review pdf_fonts")
    scratch = FPDF()
    scratch.add_font(family, style, path)
    (font,) = scratch.fonts.values()
    assert isinstance(font, TTFFont)
    # A fresh fontTools font stands in for the parsed one in each document, so whatever fpdf2
    # changed in the parsed one (colour glyphs, WOFF, CFF, an added .notdef) would be lost.
    if font.color_font is not None or font.is_compressed or font.is_cff:
        raise ValueError(f"{path.name}: only plain TrueType fonts can be shared")
    data = path.read_bytes()
    decoded = _open(data, font.collection_font_number)
    glyph_order = decoded.getGlyphOrder()
    if ".notdef" not in glyph_order:
        raise ValueError(f"{path.name} has no .notdef glyph")
    tables = {tag: decoded[tag] for tag in _PREDECODED_TABLES}
    tables["cmap"].ensureDecompiled()
    for subtable in tables["cmap"].tables:
        subtable.ttFont = None  # a back reference, set to each document's font in add_font
    # Its file, and its tables: the documents have their own.
    font.close()
    del font.ttfont
    return ParsedFont(
        font=font,
        data=data,
        tables=pickle.dumps((glyph_order, tables), protocol=pickle.HIGHEST_PROTOCOL),
    )


def _open(data: bytes, number: int) -> ttLib.TTFont:
    """The font file as fpdf2 opens it: lazily, and without touching its modification time
    (so that the embedded font's bytes do not vary)."""
    return ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, fontNumber=number, lazy=True)


def add_font(pdf: FPDF, family: str, style: str, path: Path) -> None:
    """What `pdf.add_font(family, style, path)` does, but with the font parsed once per process.

    `style` is "" or "B" (or "I", "BI"), as fpdf2 writes it.
    """
    with _lock:
        parsed = parsed_font(family, style, path)
    template = parsed.font
    if template.fontkey in pdf.fonts:
        raise ValueError(f"font {template.fontkey!r} is already in this document")
    font = TTFFont.__new__(TTFFont)
    for name in _SHARED:
        if hasattr(template, name):  # fpdf2 leaves some slots unset
            setattr(font, name, getattr(template, name))
    font.i = len(pdf.fonts) + 1
    font.ttfont = _open(parsed.data, template.collection_font_number)
    glyph_order, tables = pickle.loads(parsed.tables)
    font.ttfont.setGlyphOrder(glyph_order)
    for tag, table in tables.items():
        font.ttfont[tag] = table
    for subtable in tables["cmap"].tables:
        subtable.ttFont = font.ttfont
    font.desc = copy.copy(template.desc)
    font.cw = copy.copy(template.cw)  # keeps the default width for missing characters
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.color_font = None
    font.subset = SubsetMap(font)
    pdf.fonts[template.fontkey] = font
