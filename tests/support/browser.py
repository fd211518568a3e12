"""Shared pieces of the browser tests: Debian's chromium, and the app served on 127.0.0.1.

Browser tests are `race`-style: the server answers from its own threads and connections, so
their rows are committed for real and the tables emptied afterwards. They skip only on a
machine without /usr/bin/chromium and outside CI; in CI (`CI` set) a missing browser fails.
Use: `from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, need_chromium, server` (the
last is a fixture: import it into the test module); `console_page` and `staff_log_in` open the
staff console and log in on it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.factories import STAFF_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def need_chromium() -> None:
    """Skip without chromium on a developer's machine; fail in CI."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); CI never skips this")


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, in a thread, for the length of one test."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()


def console_page(browser: Any, *, width: int = 1280, locale: str = "sq") -> tuple[Any, list[str]]:
    """A page for the console that accepts its confirm() dialogs, and the list that collects
    every Content-Security-Policy violation it reports (a test ends asserting it is empty)."""
    page = browser.new_page(viewport={"width": width, "height": 1000}, locale=locale)
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return page, violations


def staff_log_in(page: Any, member: Any, password: str = STAFF_PASSWORD) -> None:
    """Log `member` in on the console's form and wait for the logged-in page."""
    from playwright.sync_api import expect

    page.fill("#login-form input[name=email]", member.email)
    page.fill("#login-form input[name=password]", password)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#logout")).to_be_visible()
