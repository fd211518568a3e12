"""Bill day: what customers do when the month's bills arrive, as a Locust scenario.

Run by `scale.py` (headless, bounded in time) against gunicorn + PostgreSQL + Redis; it can be
run by hand too:

    locust -f benchmarks/locustfile.py --headless -u 48 -r 12 -t 60s --host http://127.0.0.1:8000

Environment: SCALE_TOKENS (a file of "access<TAB>refresh" lines, one signed-in customer each),
SCALE_CODES (customer code<TAB>personal number lines nobody registered), SCALE_PASSWORD and
SCALE_EMAIL_DOMAIN (the benchmark accounts' login), PAYMENT_WEBHOOK_SECRET (to sign the bank's
callbacks as the bank would).

Each simulated customer takes one session from the file, refreshes it, and then, with the
weights below: looks at the balance (most), a meter's bills, a bill's PDF, the outages near
them, pays (intent, then the bank's callback), refreshes the token. A few log in with the
password or register a new customer code. /healthz runs in the same mix as the yardstick.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import threading
import time
import uuid
from pathlib import Path

from locust import FastHttpUser, between, task

API = "/api/v1"
_lock = threading.Lock()


def _lines(variable: str) -> list[list[str]]:
    path = os.environ.get(variable)
    if not path:
        return []
    return [line.split("\t") for line in Path(path).read_text(encoding="utf-8").splitlines()]


_SESSIONS = iter(_lines("SCALE_TOKENS"))
_CODES = iter(_lines("SCALE_CODES"))
_LOGINS = itertools.count(1)
_PHONES = itertools.count(random.randrange(100_000, 900_000))
_SECRET = os.environ.get("PAYMENT_WEBHOOK_SECRET", "")
_PASSWORD = os.environ.get("SCALE_PASSWORD", "")
_DOMAIN = os.environ.get("SCALE_EMAIL_DOMAIN", "")


def _next(iterator: itertools.count[int] | object) -> object:
    with _lock:
        return next(iterator)  # type: ignore[call-overload]


class Customer(FastHttpUser):
    """A signed-in customer on bill day: a few seconds between taps."""

    weight = 20
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        _access, self.refresh_token = _next(_SESSIONS)  # type: ignore[misc]
        self.access_token = ""
        self.meter_id = 0
        self.bill_id = 0
        self.refresh()
        with self.client.get(f"{API}/meters", headers=self.auth, name="GET /meters") as meters:
            self.meter_id = meters.json()[0]["id"]
        bills = self.client.get(
            f"{API}/meters/{self.meter_id}/bills", headers=self.auth, name="GET /meters/{id}/bills"
        )
        self.bill_id = bills.json()[0]["id"]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    @task(2)
    def refresh(self) -> None:
        headers = {"Authorization": f"Bearer {self.refresh_token}"}
        with self.client.post(
            f"{API}/auth/refresh", headers=headers, name="POST /auth/refresh", catch_response=True
        ) as response:
            if response.status_code == 200:
                pair = response.json()
                self.access_token, self.refresh_token = pair["access_token"], pair["refresh_token"]
            else:
                response.failure(f"refresh answered {response.status_code}")

    @task(10)
    def balance(self) -> None:
        self.client.get(f"{API}/balance", headers=self.auth, name="GET /balance")

    @task(5)
    def bills(self) -> None:
        self.client.get(
            f"{API}/meters/{self.meter_id}/bills", headers=self.auth, name="GET /meters/{id}/bills"
        )

    @task(1)
    def bill_pdf(self) -> None:
        self.client.get(
            f"{API}/bills/{self.bill_id}/pdf", headers=self.auth, name="GET /bills/{id}/pdf"
        )

    @task(3)
    def outages(self) -> None:
        self.client.get(f"{API}/me/outages", headers=self.auth, name="GET /me/outages")

    @task(1)
    def pay(self) -> None:
        body = {"items": [{"meter_id": self.meter_id, "amount": "12.50"}]}
        headers = {**self.auth, "Idempotency-Key": uuid.uuid4().hex}
        with self.client.post(
            f"{API}/payments",
            json=body,
            headers=headers,
            name="POST /payments",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"payment answered {response.status_code}")
                return
            payment_id = response.json()["id"]
        callback = json.dumps(
            {
                "payment_id": payment_id,
                "status": "succeeded",
                "bank_reference": f"BD{uuid.uuid4().hex[:16]}",
                "amount": "12.50",
                "currency": "EUR",
            }
        ).encode()
        stamp = str(int(time.time()))
        signature = hmac.new(_SECRET.encode(), f"{stamp}.".encode() + callback, hashlib.sha256)
        self.client.post(
            f"{API}/payments/callback",
            data=callback,
            headers={
                "Content-Type": "application/json",
                "X-Timestamp": stamp,
                "X-Signature": signature.hexdigest(),
            },
            name="POST /payments/callback",
        )

    @task(1)
    def healthz(self) -> None:
        self.client.get("/healthz", name="GET /healthz")


class Newcomer(FastHttpUser):
    """Few: someone logging in with the password (argon2), or registering a customer code."""

    weight = 1
    wait_time = between(2.0, 5.0)

    @task(3)
    def login(self) -> None:
        number = _next(_LOGINS)
        body = {"username": f"customer{number}@{_DOMAIN}", "password": _PASSWORD}
        self.client.post(f"{API}/auth/login", json=body, name="POST /auth/login")

    @task(1)
    def register(self) -> None:
        code, personal = _next(_CODES)  # type: ignore[misc]
        phone = f"+38345{_next(_PHONES):06d}"
        body = {
            "customer_code": code,
            "first_name": "Bill",
            "last_name": "Day",
            "phone": phone,
            "email": f"new-{code.replace(' ', '').lower()}@mix.example",
            "personal_number": personal,
            "id_card_expiry": "2031-01-01",
            "password": "a long passphrase of mine",
        }
        self.client.post(f"{API}/auth/register", json=body, name="POST /auth/register")
