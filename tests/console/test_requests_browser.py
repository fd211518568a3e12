"""The console's Requests view in Debian's chromium: an agent takes a request, replies and
resolves it; the customer reads the reply in the API, and the admin finds it in the audit log.

Runs against a real server on 127.0.0.1 (a `race`-style test: its rows are committed and deleted
afterwards). Skips only on a machine without /usr/bin/chromium and outside CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from ekesco_api.customer_requests import filing
from ekesco_api.extensions import db
from tests.factories import make_cis_payment, make_staff
from tests.support.auth import API
from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    console_page,
    need_chromium,
    server,
    staff_log_in,
)
from tests.support.customers import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.race]

__all__ = ["server"]  # the fixture, used by name

REPLY = "We are checking your bill with the meter reads.\nWe will write again today."
ANSWER = "The bill was corrected: the new amount is 28.88 €."


@pytest.fixture
def desk(app: Flask) -> Iterator[dict[str, Any]]:
    """Committed rows: a customer with a data-update request filed, an agent and an admin."""
    with app.app_context():
        session = db.session()
        customer = make_customer(session, customer_code="DPR 0555111")
        make_cis_payment(session, supply_point=customer.supply_point)
        rows = {
            "customer": customer,
            "agent": make_staff(session, role="support", email="agent@kesco-energy.com"),
            "admin": make_staff(session, role="admin", email="admin@kesco-energy.com"),
        }
        session.commit()
        rows["reference"] = filing.file_request(
            session,
            account_id=customer.account.id,
            kind="request",
            topic="data_update",
            description="Numri im i telefonit ka ndryshuar.\nJu lutem përditësoni të dhënat.",
        ).request.reference
        # Requests made from the test itself must read afresh, as a new request's would.
        db.session.remove()
        yield rows


def test_an_agent_takes_replies_and_resolves_a_request(
    app: Flask, server: str, desk: dict[str, Any]
) -> None:
    need_chromium()
    from playwright.sync_api import expect, sync_playwright

    reference = desk["reference"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page, violations = console_page(browser)
            page.goto(server + "/console")
            staff_log_in(page, desk["agent"])
            tab = page.locator("[data-tab=requests]")
            expect(tab).to_have_text("Kërkesat")  # Albanian first
            page.select_option("#language", "en")
            expect(tab).to_have_text("Requests")
            tab.click()

            # The queue: the open request, with its customer.
            row = page.locator(f"#requests-list tr[data-reference='{reference}']")
            expect(row).to_contain_text("Data update")
            expect(row).to_contain_text("DPR 0555111")
            expect(row).to_contain_text("Arben Krasniqi")
            row.locator("button").click()
            card = page.locator("#request-detail article.request")
            expect(card.locator(".r-title")).to_have_text(f"{reference} · Received")
            expect(card.locator(".r-description")).to_contain_text("Ju lutem përditësoni")
            expect(card.locator(".r-customer")).to_contain_text(desk["customer"].account.email)
            # A data update shows what the account holds and its last payments.
            expect(card.locator(".r-account")).to_be_visible()
            expect(card.locator(".r-payments")).to_contain_text("28.88")
            expect(card.locator(".r-payments")).to_contain_text("Recorded by the CIS")

            # Take it with a first word to the customer.
            card.locator("textarea[name=note]").fill(REPLY)
            card.locator("button[value=in_progress]").click()
            expect(page.locator("#notice")).to_have_text("Saved; the customer is being told.")
            card = page.locator("#request-detail article.request")
            expect(card.locator(".r-title")).to_have_text(f"{reference} · In progress")
            expect(card.locator(".r-history")).to_contain_text("We will write again today.")
            expect(card.locator(".r-history")).to_contain_text("agent@kesco-energy.com")

            # Resolve it with the answer.
            card.locator("textarea[name=note]").fill(ANSWER)
            card.locator("button[value=resolved]").click()
            expect(card.locator(".r-title")).to_have_text(f"{reference} · Resolved")
            expect(card.locator(".r-closed")).to_be_visible()
            expect(card.locator(".r-action")).to_be_hidden()
            expect(row).to_contain_text("Resolved")

            # The customer reads both in the app.
            mine = app.test_client().get(
                f"{API}/requests/{reference.lower()}", headers=desk["customer"].headers
            )
            assert mine.status_code == 200
            history = mine.get_json()["history"]
            assert [(h["status"], h["note"]) for h in history] == [
                ("received", None),
                ("in_progress", REPLY),
                ("resolved", ANSWER),
            ]

            # The admin finds the agent's moves in the audit log.
            page.click("#logout")
            staff_log_in(page, desk["admin"])
            page.click("[data-tab=audit]")
            page.select_option("#audit-form select[name=action]", "request_update")
            page.click("#audit-form button[type=submit]")
            audit = page.locator("#audit table")
            expect(audit.locator("tbody tr")).to_have_count(2)
            expect(audit).to_contain_text("agent@kesco-energy.com")
            expect(audit).to_contain_text(reference)
            expect(audit).to_contain_text("DPR 0555111")

            storage = page.evaluate("() => [localStorage.length, sessionStorage.length]")
            assert storage == [0, 0]
            assert violations == []
        finally:
            browser.close()
