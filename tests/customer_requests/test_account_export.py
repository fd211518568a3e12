"""The account's requests in its copy of its data (GET /me/export)."""

from __future__ import annotations

import json

from tests.customer_requests.helpers import change, file_request
from tests.support.auth import API
from tests.support.customers import make_customer


def test_the_copy_holds_the_accounts_requests_newest_first_with_their_history(
    client, db_session, customer, agent_headers
):
    first = file_request(client, customer, meter_id=customer.meter.id).get_json()["reference"]
    second = file_request(client, customer, topic="other").get_json()["reference"]
    file_request(client, make_customer(db_session))
    change(client, agent_headers, first, status="in_progress", note="Po e shohim.")
    change(client, agent_headers, first, status="rejected", note="Nuk ka gabim.")

    response = client.get(f"{API}/me/export", headers=customer.headers)

    requests = json.loads(response.get_data(as_text=True))["requests"]
    assert [r["reference"] for r in requests] == [second, first]
    older = requests[1]
    assert older["meter_number"] == customer.meter.meter_number
    assert older["customer_code"] == customer.supply_point.customer_code
    assert (older["status"], older["description"]) == ("rejected", "Fatura dyfish.")
    assert older["created_at"].endswith("Z")
    assert [(h["status"], h["note"]) for h in older["history"]] == [
        ("received", None),
        ("in_progress", "Po e shohim."),
        ("rejected", "Nuk ka gabim."),
    ]
    assert "agent.one@kesco-energy.com" not in response.get_data(as_text=True)
    assert requests[0]["meter_number"] is None and len(requests[0]["history"]) == 1
