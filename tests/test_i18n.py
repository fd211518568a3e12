"""Languages: a service without its compiled catalogs does not start quietly in English."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask

from ekesco_api.i18n import check_catalogs, missing_catalogs


def _app(root: Path, env: str) -> Flask:
    app = Flask("probe", root_path=str(root))
    app.config["EKESCO_ENV"] = env
    return app


def _compiled(root: Path, *languages: str) -> None:
    for language in languages:
        folder = root / "translations" / language / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.mo").write_bytes(b"")


def test_the_checkout_has_its_catalogs() -> None:
    package = Path(__file__).resolve().parents[1] / "ekesco_api"
    assert missing_catalogs(package / "translations") == []


def test_english_needs_no_catalog(tmp_path: Path) -> None:
    _compiled(tmp_path, "sq", "sr")
    assert missing_catalogs(tmp_path / "translations") == []


def test_production_refuses_to_start_without_a_catalog(tmp_path: Path) -> None:
    _compiled(tmp_path, "sq")
    with pytest.raises(RuntimeError, match="compiled catalogs missing for sr"):
        check_catalogs(_app(tmp_path, "production"))


def test_elsewhere_a_missing_catalog_is_logged_as_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="ekesco_api.i18n"):
        check_catalogs(_app(tmp_path, "development"))
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert "sq, sr" in caplog.records[0].getMessage()
