"""The console's Disconnections view in Debian's chromium: an agent finds a case suspended by
the customer's objection, upholds it, and the case ends; the customer sees it end in the API.

Runs against a real server on 127.0.0.1 (a `race`-style test: its rows are committed and deleted
afterwards). Skips only on a machine without /usr/bin/chromium and outside CI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from ekesco_api.disconnection import customer as customer_service
from ekesco_api.extensions import db
from ekesco_api.types import utcnow
from tests.factories import STAFF_PASSWORD, make_staff
from tests.support.auth import API
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, need_chromium, server
from tests.support.customers import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.race]

__all__ = ["server"]  # the fixture, used by name


@pytest.fixture
def desk(app: Flask) -> Iterator[dict[str, Any]]:
    """Committed rows: a customer warned by the CIS who objected, and an agent."""
    from tests.disconnection.helpers import Scenario

    with app.app_context():
        session = db.session()
        customer = make_customer(session, customer_code="DPR 0777001", language="en")
        agent = make_staff(session, role="support", email="agent@kesco-energy.com")
        session.commit()
        point = customer.supply_point
        Scenario(session, point.customer_code, point.id, start=30).warned("64.20").noticed()
        customer_service.object_to_case(
            session,
            account_id=customer.account.id,
            meter_id=customer.meter.id,
            reason="I paid this at the post office.",
            bill_id=None,
            now=utcnow() - dt.timedelta(minutes=1),
        )
        rows = {"customer": customer, "agent": agent}
        db.session.remove()
        yield rows


def test_an_agent_upholds_an_objection_and_the_case_ends(
    app: Flask, server: str, desk: dict[str, Any]
) -> None:
    need_chromium()
    from playwright.sync_api import expect, sync_playwright

    customer = desk["customer"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="sq")
            page.set_default_timeout(15_000)
            violations: list[str] = []
            page.on(
                "console",
                lambda message: (
                    violations.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            page.goto(server + "/console")
            page.fill("#login-form input[name=email]", desk["agent"].email)
            page.fill("#login-form input[name=password]", STAFF_PASSWORD)
            page.click("#login-form button[type=submit]")
            expect(page.locator("#logout")).to_be_visible()
            tab = page.locator("[data-tab=disconnections]")
            expect(tab).to_have_text("Shkyçjet")  # Albanian first
            page.select_option("#language", "en")
            expect(tab).to_have_text("Disconnections")
            tab.click()

            row = page.locator("#disc-cases tbody tr", has_text="DPR 0777001")
            expect(row).to_contain_text("Suspended")  # by the objection, as the customer sees
            expect(row).to_contain_text("64.20")
            row.locator("textarea[name=note]").fill("The post office payment was found.")
            row.locator("button[value=upheld]").click()
            expect(page.locator("#notice")).to_have_text("Decided; the customer is being told.")
            row = page.locator("#disc-cases tbody tr", has_text="DPR 0777001")
            expect(row).to_contain_text("Ended")
            expect(row.locator(".disc-decide")).to_be_hidden()

            answer = app.test_client().get(
                f"{API}/meters/{customer.meter.id}/disconnection", headers=customer.headers
            )
            body = answer.get_json()
            assert (body["state"], body["outcome"]) == ("none", "objection_upheld")
            assert body["notices"][-1]["kind"] == "decision"
            assert violations == []
        finally:
            browser.close()
