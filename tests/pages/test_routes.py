"""The pages without a browser: what the return page says, the CSP, the docs' own files."""

from __future__ import annotations

from typing import Any

import pytest

from ekesco_api.console.routes import CONTENT_SECURITY_POLICY
from tests.factories import make_app_payment, make_meter


@pytest.mark.parametrize("path", ["/docs", "/reset-password?token=x", "/payments/return"])
def test_pages_carry_the_consoles_policy(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["Cache-Control"] == "no-store"


def test_the_docs_load_swagger_ui_from_this_service(client: Any) -> None:
    page = client.get("/docs").get_data(as_text=True)
    assert "https://" not in page
    script = client.get("/docs/swagger-ui/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert script.mimetype == "text/javascript"
    script.close()


# "%C2%B2" is "²", a digit to str.isdigit but not to int(); 5,000 digits are past int()'s limit.
UNKNOWN_ORDER_IDS = ["", "abc", "-1", "99999999", str(2**70), "9" * 5000, "%C2%B2"]


@pytest.mark.parametrize("order_id", UNKNOWN_ORDER_IDS)
def test_an_unknown_payment_is_said_so(client: Any, order_id: str) -> None:
    page = client.get(f"/payments/return?order_id={order_id}&result=success")
    assert page.status_code == 200
    assert 'data-status="unknown"' in page.get_data(as_text=True)


def test_the_url_does_not_decide_the_outcome(client: Any, db_session: Any) -> None:
    payment = make_app_payment(db_session, make_meter(db_session), "9.99", status="failed")
    page = client.get(
        f"/payments/return?order_id={payment.id}&result=success", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert 'data-status="failed"' in page
    assert "The bank declined the payment" in page
    assert "9.99" not in page  # no login: the page names no amount


def test_a_reset_link_without_its_token_says_so(client: Any) -> None:
    page = client.get("/reset-password", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "This link is incomplete" in page
    assert 'id="reset-form"' not in page
