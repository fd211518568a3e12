"""The wheel's build step: compiled catalogs and the migrations go inside the package.

pyproject.toml holds the project's metadata; this file only adds to setuptools' `build_py`,
which `pip install .`, `pip wheel .` and `python -m build` run. The catalogs (*.mo) are compiled
from the committed *.po files with babel, so they are never committed themselves. migrations/
stays at the top of the repository (where `flask db` looks in a checkout) and is copied to
ekesco_api/migrations, where an installed app finds it. An editable install needs neither: it
reads migrations/ in place, and `make` compiles the catalogs beside the .po files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
CATALOGS = ROOT / "ekesco_api" / "translations"
MIGRATIONS = ROOT / "migrations"


def compile_catalogs(source: Path, target: Path) -> list[Path]:
    """Every <language>/LC_MESSAGES/messages.po under `source` as a .mo under `target`."""
    written = []
    for po_path in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        language = po_path.parent.parent.name
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)  # fuzzy entries stay out, as with pybabel compile
        written.append(mo_path)
    if not written:
        raise SystemExit(f"no catalogs (*.po) under {source}: the wheel would speak only English")
    return written


class BuildPy(build_py):
    """setuptools' build_py, then the compiled catalogs and the migrations into the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        package = Path(self.build_lib) / "ekesco_api"
        compile_catalogs(CATALOGS, package / "translations")
        if not (MIGRATIONS / "env.py").is_file():
            raise SystemExit(f"{MIGRATIONS} is missing: the wheel could not create its schema")
        shutil.copytree(
            MIGRATIONS,
            package / "migrations",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            dirs_exist_ok=True,
        )


setup(cmdclass={"build_py": BuildPy})
