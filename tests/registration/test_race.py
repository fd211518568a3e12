"""Parallel registrations: the database's unique keys decide, the losers get a 409, never a 500."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from ekesco_api.accounts.models import Account
from ekesco_api.extensions import db
from ekesco_api.registration.models import VerificationCode
from tests.concurrency import run_at_once
from tests.factories import make_supply_point
from tests.registration.helpers import code_in, registration_body

THREADS = 8


def _register_at_once(app: Flask, bodies: list[dict[str, Any]]) -> list[tuple[int, str | None]]:
    def register(n: int) -> tuple[int, str | None]:
        response = app.test_client().post(
            "/api/v1/auth/register",
            json=bodies[n],
            headers={"Accept-Language": "en"},
            # One address each, so that the per-address limit is not what answers.
            environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"},
        )
        return response.status_code, (response.json or {}).get("code")

    return run_at_once(len(bodies), register, timeout=60)


@pytest.mark.race
def test_one_registration_per_customer_code(app: Flask) -> None:
    with app.app_context():
        make_supply_point(db.session, customer_code="DGJ 0042137")
        db.session.commit()
    bodies = [
        registration_body(email=f"person{n}@example.com", phone=f"049 100 10{n}")
        for n in range(THREADS)
    ]
    results = _register_at_once(app, bodies)
    assert Counter(status for status, _ in results) == {201: 1, 409: THREADS - 1}
    assert {code for status, code in results if status == 409} == {"customer_code_taken"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Account)) == 1
        db.session.remove()


@pytest.mark.race
def test_one_registration_per_email(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "RATELIMIT_REGISTER_PER_EMAIL", "100 per hour")
    with app.app_context():
        for n in range(THREADS):
            make_supply_point(db.session, customer_code=f"DPR 00000{n}")
        db.session.commit()
    bodies = [
        registration_body(
            customer_code=f"DPR 00000{n}",
            email="same.person@example.com" if n % 2 else "Same.Person@example.com",
            phone=f"049 100 10{n}",
        )
        for n in range(THREADS)
    ]
    results = _register_at_once(app, bodies)
    assert Counter(status for status, _ in results) == {201: 1, 409: THREADS - 1}
    assert {code for status, code in results if status == 409} == {"email_taken"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Account)) == 1
        db.session.remove()


@pytest.mark.race
def test_parallel_guesses_get_five_tries_between_them(
    app: Flask, monkeypatch: pytest.MonkeyPatch, outbox: Any
) -> None:
    monkeypatch.setitem(app.config, "RATELIMIT_VERIFY_PER_EMAIL", "100 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_VERIFY", "100 per minute")
    with app.app_context():
        make_supply_point(db.session, customer_code="DGJ 0042137")
        db.session.commit()
    client = app.test_client()
    assert client.post("/api/v1/auth/register", json=registration_body()).status_code == 201
    # From the SMS: once sent, the outbox row no longer holds the code.
    [sms] = outbox.sms
    real = code_in(sms["body"])
    guesses = [f"{n:06d}" for n in range(12) if f"{n:06d}" != real][:10]

    def guess(n: int) -> int:
        response = app.test_client().post(
            "/api/v1/auth/verify", json={"email": "arben.krasniqi@example.com", "code": guesses[n]}
        )
        return response.status_code

    statuses = run_at_once(len(guesses), guess, timeout=60)
    # Five tries were tested between them, never more. Which requests saw 400 and which 429
    # depends on the order the locks were granted: a try counted early may still be answered
    # 429 when, by the time it reports, the others have burned the code.
    counts = Counter(statuses)
    assert set(counts) <= {400, 429}
    assert sum(counts.values()) == len(guesses)
    assert counts[400] <= 4
    assert counts[429] >= 6
    with app.app_context():
        assert db.session.scalars(select(VerificationCode.attempts)).one() == 5
        db.session.remove()
