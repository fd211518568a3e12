"""The simulated bank end to end in Debian's chromium: open redirect_url, press Pay, see it paid.

Runs against a real server on 127.0.0.1 and the committed test database (a `race`-style test:
its rows are deleted afterwards). Skips only without /usr/bin/chromium outside CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from flask import Flask

from ekesco_api.extensions import db
from tests.factories import make_bill
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, need_chromium, server
from tests.support.customers import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.race]

__all__ = ["server"]  # the fixture, used by name


@pytest.fixture
def customer(app: Flask) -> Iterator[dict[str, Any]]:
    """A committed customer with one meter whose latest bill is 28.88 and unpaid."""
    with app.app_context():
        session = db.session()
        customer = make_customer(session)
        make_bill(session, supply_point=customer.supply_point, period="2026-01")
        rows = {"headers": customer.headers, "meter_id": customer.meter.id}
        session.commit()
        yield rows
        db.session.remove()


@pytest.mark.parametrize(("button", "status"), [("#pay", "succeeded"), ("#decline", "failed")])
def test_pay_at_the_simulated_bank_in_a_browser(
    server: str, customer: dict[str, Any], button: str, status: str
) -> None:
    need_chromium()
    from playwright.sync_api import expect, sync_playwright

    api = httpx.Client(base_url=server + "/api/v1", headers=customer["headers"], timeout=10)
    created = api.post(
        "/payments",
        json={"items": [{"meter_id": customer["meter_id"], "amount": "28.88"}]},
        headers={"Idempotency-Key": f"browser-{button}"},
    )
    assert created.status_code == 201, created.text
    payment = created.json()
    assert payment["redirect_url"].startswith(server + "/simulated-bank/pay?")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(payment["redirect_url"])
            expect(page.locator("#amount")).to_have_text("28.88 EUR")
            expect(page.locator("#order")).to_have_text(str(payment["id"]))
            page.click(button)
            # Back on our return page, as from the bank, which shows what the callback did.
            page.wait_for_url(f"**/payments/return?order_id={payment['id']}&result=*")
            expect(page.locator("#outcome")).to_have_attribute("data-status", status)
        finally:
            browser.close()

    detail = api.get(f"/payments/{payment['id']}").json()
    assert detail["status"] == status
    balance = api.get(f"/meters/{customer['meter_id']}/balance").json()
    assert balance["amount_due"] == ("0.00" if status == "succeeded" else "28.88")
    api.close()
