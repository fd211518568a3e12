"""Real commits from many threads: references stay unique, one agent's move wins."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ekesco_api.customer_requests import filing
from ekesco_api.customer_requests.models import CustomerRequest, RequestEvent
from ekesco_api.extensions import db
from ekesco_api.staff.models import AuditEntry
from tests.concurrency import run_at_once
from tests.customer_requests.helpers import QUEUE, REQUESTS
from tests.support.auth import dispatcher_headers
from tests.support.customers import make_customer

pytestmark = pytest.mark.race

FILINGS = 50
ACCOUNTS = 5  # ten filings each, under the daily limit


def test_fifty_filings_at_once_get_fifty_references_in_sequence(app: Flask) -> None:
    with app.app_context(), Session(db.engine, expire_on_commit=False) as setup:
        headers = [make_customer(setup).headers for _ in range(ACCOUNTS)]
        setup.commit()

    def file(i: int) -> Any:
        response = app.test_client().post(
            REQUESTS,
            json={"kind": "request", "topic": "other", "description": f"#{i}"},
            headers=headers[i % ACCOUNTS],
        )
        return response.status_code, response.get_json().get("reference")

    results = run_at_once(FILINGS, file)

    assert Counter(status for status, _ in results) == {201: FILINGS}
    references = [reference for _, reference in results]
    assert len(set(references)) == FILINGS
    # Nothing was rolled back, so no number was skipped either.
    assert sorted(int(r[-6:]) for r in references) == list(range(1, FILINGS + 1))
    with app.app_context(), Session(db.engine) as check:
        stored = check.scalars(select(CustomerRequest.reference)).all()
    assert sorted(stored) == sorted(references)


def test_two_agents_moving_one_request_at_once_one_wins(app: Flask) -> None:
    with app.app_context(), Session(db.engine, expire_on_commit=False) as setup:
        customer = make_customer(setup)
        agents = [dispatcher_headers(setup, role="support") for _ in range(2)]
        setup.commit()
        references = [
            filing.file_request(
                setup,
                account_id=customer.account.id,
                kind="complaint",
                topic="billing_error",
                description=f"#{n}",
            ).request.reference
            for n in range(2)
        ]

    def move(reference: str, versioned: bool) -> Any:
        def agent(i: int) -> Any:
            body: dict[str, Any] = {"status": ("resolved", "in_progress")[i], "note": f"{i}"}
            if versioned:
                body["version"] = 1
            response = app.test_client().patch(f"{QUEUE}/{reference}", json=body, headers=agents[i])
            return response.status_code, response.get_json().get("code")

        return sorted(run_at_once(2, agent))

    with_version = move(references[0], versioned=True)
    without = move(references[1], versioned=False)

    # With the version seen, whoever comes second acted on a stale view.
    assert with_version[0] == (200, None)
    assert with_version[1] in ((409, "request_changed"), (409, "request_closed"))
    # Without it, two moves meet under the row lock: a reply after a take stands, anything
    # after the close does not.
    assert without[0] == (200, None)
    assert without[1] in ((200, None), (409, "request_closed"))
    with app.app_context(), Session(db.engine) as check:
        first = check.scalars(
            select(CustomerRequest).where(CustomerRequest.reference == references[0])
        ).one()
        assert first.version == 2
        events = check.scalar(
            select(func.count())
            .select_from(RequestEvent)
            .where(RequestEvent.request_id == first.id)
        )
        assert events == 2  # the filing and the winner's move
        outcomes = Counter(
            check.scalars(
                select(AuditEntry.outcome).where(AuditEntry.action == "request_update")
            ).all()
        )
    assert outcomes["success"] + outcomes["failed"] == 4 and outcomes["failed"] >= 1
