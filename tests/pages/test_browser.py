"""The pages in Debian's chromium: /docs lists the operations, the e-mailed reset link sets a
new password, the bank's return shows the payment's outcome; no page breaks its CSP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from flask import Flask

from ekesco_api.extensions import db
from ekesco_api.notifications.service import get_senders
from ekesco_api.notifications.worker import deliver_due
from tests.factories import make_account, make_app_payment, make_meter, make_supply_point
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, need_chromium, server

pytestmark = [pytest.mark.browser, pytest.mark.race]

__all__ = ["server"]  # the fixture, used by name

NEW_PASSWORD = "copper-meadow-lantern-42"


def console_page(browser: Any, *, locale: str = "sq") -> tuple[Any, list[str]]:
    """A page, and the Content-Security-Policy violations it reports (a test wants none)."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale=locale)
    page.set_default_timeout(15_000)
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return page, violations


@pytest.fixture
def browser() -> Iterator[Any]:
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def test_docs_list_the_operations_offline(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    page, violations = console_page(browser)
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server) else elsewhere.append(r.url))
    page.goto(server + "/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 40
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/payments").first).to_be_visible()
    assert violations == []
    assert elsewhere == [], "the docs loaded something from another site"


def test_the_emailed_link_sets_a_new_password(
    app: Flask, server: str, browser: Any, outbox: Any
) -> None:
    from playwright.sync_api import expect

    with app.app_context():
        account = make_account(db.session(), email="drita@example.com", language="sr")
        db.session.commit()
        account_id = account.id
    forgot = httpx.post(
        server + "/api/v1/auth/password/forgot", json={"email": "drita@example.com"}
    )
    assert forgot.status_code == 202
    with app.app_context():  # the worker sends the queued e-mail
        deliver_due(db.session, senders=get_senders())
    [mail] = outbox.email
    link = re.search(r"https?://\S+/reset-password\?token=\S+", mail["body"])
    assert link, mail["body"]
    # The link names the configured public address; the page is the same on this server.
    path = link.group(0).split("/reset-password", 1)[1]

    page, violations = console_page(browser, locale="sr")
    page.goto(server + "/reset-password" + path)
    expect(page.locator("h2")).to_have_text("Izaberite novu lozinku")
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.fill("input[name=repeat]", NEW_PASSWORD + "x")
    page.click("#reset-form button[type=submit]")
    expect(page.locator("#reset-problem")).to_have_text("Dve lozinke se razlikuju.")
    page.fill("input[name=repeat]", NEW_PASSWORD)
    page.click("#reset-form button[type=submit]")
    expect(page.locator("#reset-done")).to_be_visible()
    assert violations == []

    login = httpx.post(
        server + "/api/v1/auth/login",
        json={"username": "drita@example.com", "password": NEW_PASSWORD},
    )
    assert login.status_code == 200, (account_id, login.text)
    # The link is good once: the page says why in the page's language.
    page.goto(server + "/reset-password" + path)
    page.fill("input[name=new_password]", NEW_PASSWORD + "-again")
    page.fill("input[name=repeat]", NEW_PASSWORD + "-again")
    page.click("#reset-form button[type=submit]")
    expect(page.locator("#reset-problem")).to_be_visible()
    assert "Nešto nije u redu" not in page.locator("#reset-problem").inner_text()


@pytest.mark.parametrize(
    ("status", "result", "albanian"),
    [
        ("succeeded", "success", "Pagesa u krye."),
        ("failed", "fail", "Banka e refuzoi pagesën."),
        ("pending", "success", "Banka e pranoi kartelën"),
    ],
)
def test_the_banks_return_shows_the_payments_outcome(
    app: Flask, server: str, browser: Any, status: str, result: str, albanian: str
) -> None:
    from playwright.sync_api import expect

    with app.app_context():
        session = db.session()
        meter = make_meter(session, supply_point=make_supply_point(session))
        payment = make_app_payment(session, meter, "12.30", status=status)
        session.commit()
        payment_id = payment.id
    page, violations = console_page(browser)
    page.goto(f"{server}/payments/return?order_id={payment_id}&result={result}")
    expect(page.locator("#outcome")).to_have_attribute("data-status", status)
    expect(page.locator("#outcome")).to_contain_text(albanian)
    expect(page.locator("h2")).to_have_text(f"Pagesa juaj #{payment_id}")
    page.click("text=English")
    expect(page.locator("h2")).to_have_text(f"Your payment #{payment_id}")
    assert violations == []
