"""Fonts shipped inside the package, so that bills render the same on any machine.

DejaVu Sans 2.37 (regular and bold), unmodified, under the Bitstream Vera / Arev licence in
LICENSE.txt beside this file. It covers every letter of Albanian and Serbian (Latin and Cyrillic)
and the euro sign; Debian's fonts-dejavu-core may be missing on a server, so we do not rely on it.
"""

from __future__ import annotations

from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent
SANS_REGULAR = DIRECTORY / "DejaVuSans.ttf"
SANS_BOLD = DIRECTORY / "DejaVuSans-Bold.ttf"
