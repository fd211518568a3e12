"""The browser test's guard: skip without chromium on a workstation, fail without it in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import browser


def test_missing_chromium_skips_outside_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        browser.need_chromium()


def test_missing_chromium_fails_in_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        browser.need_chromium()


def test_present_chromium_passes(monkeypatch, tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("")
    monkeypatch.setattr(browser, "CHROMIUM", fake)
    monkeypatch.setenv("CI", "true")
    browser.need_chromium()
    assert Path(browser.CHROMIUM) == fake
