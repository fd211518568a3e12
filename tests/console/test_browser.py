"""The console end to end in Debian's chromium: support resets, dispatch announces, admin audits.

Runs against a real server on 127.0.0.1 and the committed test database (a `race`-style test:
its rows are deleted afterwards). Skips only on a machine without /usr/bin/chromium and
outside CI; in CI (`CI` set) a missing browser fails the test instead.
Set EKESCO_SCREENSHOT=docs/console.png to refresh the README's screenshot.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ekesco_api.extensions import db
from tests.factories import (
    make_account,
    make_area,
    make_meter,
    make_staff,
    make_supply_point,
)
from tests.support.auth import TEMP_PASSWORD
from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    console_page,
    need_chromium,
    server,
    staff_log_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.race]

__all__ = ["server"]  # the fixture, used by name


@pytest.fixture
def people(app: Flask) -> Iterator[dict[str, Any]]:
    """Committed rows: three staff members, a customer with two meters, an area tree."""
    with app.app_context():
        session = db.session()
        city = make_area(session, name="Prishtinë", name_en="Pristina", name_sr="Priština")
        neighbourhood = make_area(session, parent=city, name="Dardania")
        supply_point = make_supply_point(
            session, customer_code="DPR 0123456", area_id=neighbourhood.id
        )
        make_meter(session, supply_point=supply_point, meter_number="KS-0099881")
        make_meter(
            session, supply_point=supply_point, meter_number="KS-0099882", reading_mode="manual"
        )
        account = make_account(
            session,
            supply_point=supply_point,
            first_name="Drita",
            last_name="Berisha",
            email="drita.berisha@example.com",
            phone="+38344123456",
            language="sq",
        )
        rows = {
            "support": make_staff(session, role="support", email="agent@kesco-energy.com"),
            "dispatcher": make_staff(session, role="dispatcher", email="dispatch@kesco-energy.com"),
            "admin": make_staff(session, role="admin", email="admin@kesco-energy.com"),
            "account_id": account.id,
            "city_id": city.id,
        }
        session.commit()
        yield rows
        db.session.remove()


def _local(moment: dt.datetime) -> str:
    """A datetime-local input's value, in the browser's (= this process's) zone."""
    return moment.astimezone().strftime("%Y-%m-%dT%H:%M")


def test_support_dispatch_and_admin_in_the_console(
    server: str, people: dict[str, Any], outbox: Any, tmp_path: Path
) -> None:
    need_chromium()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page, violations = console_page(browser)
            page.goto(server + "/console")
            # Albanian first; English on the switcher, without a reload (tokens stay).
            expect(page.locator("#login-form button[type=submit]")).to_have_text("Kyçu")
            page.select_option("#language", "en")
            expect(page.locator("#login-form button[type=submit]")).to_have_text("Log in")

            # --- a support agent finds a customer by customer code and resets the password
            staff_log_in(page, people["support"])
            expect(page.locator("#who")).to_contain_text("Support agent")
            expect(page.locator("[data-tab=audit]")).to_be_hidden()
            page.select_option("#search-form select[name=key]", "customer_code")
            page.fill("#search-form input[name=value]", "dpr0123456")
            page.click("#search-form button[type=submit]")
            card = page.locator("article.customer")
            expect(card).to_have_count(1)
            expect(card.locator("h2")).to_contain_text("Drita Berisha · DPR 0123456")
            expect(card.locator(".c-meters")).to_contain_text("KS-0099881")
            expect(card.locator(".c-meters")).to_contain_text("Read by hand")  # not "manual"

            card.locator(".reset-form button[type=submit]").click()
            expect(page.locator("#notice")).to_have_text(
                "A temporary password is on its way to the customer."
            )
            [sms] = outbox.sms
            assert sms["to"] == "+38344123456"
            assert TEMP_PASSWORD.search(sms["body"])
            # The agent's page never shows it.
            assert TEMP_PASSWORD.search(sms["body"]).group(1) not in page.content()
            expect(card.locator(".c-messages")).to_contain_text("Temporary password")
            page.screenshot(path=str(tmp_path / "console.png"), full_page=True)
            if os.environ.get("EKESCO_SCREENSHOT"):
                page.screenshot(path=os.environ["EKESCO_SCREENSHOT"], full_page=True)
            page.click("#logout")
            expect(page.locator("#login-form")).to_be_visible()

            # --- a dispatcher announces an outage on the area picker
            staff_log_in(page, people["dispatcher"])
            expect(page.locator("[data-tab=customers]")).to_be_hidden()
            expect(page.locator("#tab-outages")).to_be_visible()
            page.select_option("#area-picker select[data-level='0']", str(people["city_id"]))
            start = dt.datetime.now().astimezone() + dt.timedelta(days=3)
            form = page.locator("#announce-form")
            form.locator("select[name=kind]").select_option("planned")
            form.locator("input[name=starts_at]").fill(_local(start))
            form.locator("input[name=ends_at]").fill(_local(start + dt.timedelta(hours=4)))
            form.locator("input[name=reason_sq]").fill("Mirëmbajtje e rrjetit")
            form.locator("input[name=reason_en]").fill("Network maintenance")
            form.locator("input[name=reason_sr]").fill("Održavanje mreže")
            form.locator("button[type=submit]").click()
            expect(page.locator("#notice")).to_contain_text("The outage was announced")
            outage = page.locator("#outages article.outage")
            expect(outage).to_have_count(1)
            later = start + dt.timedelta(days=1)
            outage.locator("input[name=starts_at]").fill(_local(later))
            outage.locator("input[name=ends_at]").fill(_local(later + dt.timedelta(hours=2)))
            outage.locator("button[type=submit]").click()
            expect(page.locator("#notice")).to_contain_text("The outage was changed")
            expect(outage.locator("h4")).to_contain_text("Rescheduled")
            assert not re.search(r"\b(AM|PM)\b", outage.locator("h4").inner_text())  # 24-hour
            outage.locator("button.danger").click()
            expect(outage.locator("h4")).to_contain_text("Cancelled")
            page.click("#logout")

            # --- an admin sees both actions in the audit log
            staff_log_in(page, people["admin"])
            page.click("[data-tab=audit]")
            audit = page.locator("#audit table")
            expect(audit).to_contain_text("password_reset")
            expect(audit).to_contain_text("outage_announce")
            expect(audit).to_contain_text("outage_reschedule")
            expect(audit).to_contain_text("outage_cancel")
            expect(audit).to_contain_text("agent@kesco-energy.com")
            expect(audit).to_contain_text("dispatch@kesco-energy.com")
            page.select_option("#audit-form select[name=action]", "password_reset")
            page.click("#audit-form button[type=submit]")
            expect(audit.locator("tbody tr")).to_have_count(1)
            expect(audit).to_contain_text("DPR 0123456")

            # Nothing was kept in web storage, and the CSP was never violated.
            storage = page.evaluate("() => [localStorage.length, sessionStorage.length]")
            assert storage == [0, 0]
            assert violations == []
        finally:
            browser.close()
