"""A whole journey with marker values, then every line logged is searched for them.

Registration, the SMS code, logins by e-mail and by phone, a lock-out, the forgotten-password
link, a staff look-up by phone, e-mail and personal number, a support reset with its temporary
password, a fault of ours: whatever the service and its libraries log on the way must hold no
password, code, token, e-mail, phone number, personal number or street address, and a client's
newline must never start a line of its own.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from ekesco_api.extensions import db
from ekesco_api.notifications.service import get_senders
from ekesco_api.notifications.worker import deliver_due
from tests.factories import STAFF_PASSWORD, make_meter, make_staff, make_supply_point
from tests.support.auth import bearer
from tests.support.logs import captured_logs

PASSWORD = "Marker lantern harbour 7"
NEW_PASSWORD = "Second marker orchard 8"
EMAIL = "marker.person@example.org"
PHONE_FORMS = ("+38344987654", "+383 44 987 654", "044987654", "044 987 654", "44987654")
PERSONAL_NUMBER = "1198765432"
STREET = "Rruga Shenjuese nr. 4711"
FORGED = '"\n{"level": "INFO", "logger": "ekesco.access", "message": "forged"}\n'


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """Every record any logger emits during the test, as the production handler writes it."""
    with captured_logs(logging.DEBUG) as stream:
        yield stream


def _code(body: str) -> str:
    (code,) = re.findall(r"(?<!\d)\d{6}(?!\d)", body)
    return code


def test_nothing_personal_or_secret_reaches_a_log_line(client, db_session, outbox, logged):
    point = make_supply_point(db_session, personal_number=PERSONAL_NUMBER, street=STREET)
    make_meter(db_session, supply_point=point)
    secrets: list[str] = [PASSWORD, NEW_PASSWORD, EMAIL, PERSONAL_NUMBER, STREET, *PHONE_FORMS]

    registered = client.post(
        "/api/v1/auth/register",
        json={
            "customer_code": point.customer_code,
            "first_name": "Arben",
            "last_name": "Krasniqi",
            "phone": "044 987 654",
            "email": EMAIL,
            "personal_number": PERSONAL_NUMBER,
            "id_card_expiry": "2031-05-17",
            "password": PASSWORD,
        },
    )
    assert registered.status_code == 201, registered.json
    code = _code(outbox.sms[-1]["body"])
    verified = client.post("/api/v1/auth/verify", json={"email": EMAIL, "code": code})
    assert verified.status_code == 200, verified.json
    tokens = verified.json
    secrets += [tokens["access_token"], tokens["refresh_token"]]
    me = bearer(tokens["access_token"])
    for path in ("/api/v1/me", "/api/v1/meters"):
        assert client.get(path, headers=me).status_code == 200, path

    by_phone = client.post(
        "/api/v1/auth/login", json={"username": "+38344987654", "password": PASSWORD}
    )
    assert by_phone.status_code == 200
    secrets.append(by_phone.json["access_token"])
    for _ in range(7):  # past the per-username limit: the limiter logs the breach and its key
        locked = client.post(
            "/api/v1/auth/login", json={"username": EMAIL + FORGED, "password": "wrong" * 3}
        )
        client.post("/api/v1/auth/login", json={"username": EMAIL, "password": "wrong" * 3})
    assert locked.status_code in (401, 429)

    client.post("/api/v1/auth/password/forgot", json={"email": EMAIL})
    deliver_due(db.session, senders=get_senders())  # the worker sends the link
    (token,) = re.findall(r"token=([\w\-]+)", outbox.email[-1]["body"])
    secrets.append(token)
    reset = client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert reset.status_code == 204, reset.json

    member = make_staff(db_session, role="support")
    staff = client.post(
        "/api/v1/staff/login", json={"email": member.email, "password": STAFF_PASSWORD}
    ).json
    secrets += [staff["access_token"], STAFF_PASSWORD]
    agent = bearer(staff["access_token"])
    for query in (f"email={EMAIL}", f"personal_number={PERSONAL_NUMBER}", "phone=044987654"):
        found = client.get(f"/api/v1/staff/customers?{query}", headers=agent)
        assert found.status_code == 200 and found.json, query
    account_id = found.json[0]["account_id"]
    reset_by_support = client.post(
        f"/api/v1/staff/accounts/{account_id}/password-reset",
        json={"channel": "sms"},
        headers=agent,
    )
    assert reset_by_support.status_code == 202, reset_by_support.json
    deliver_due(db.session, senders=get_senders())
    (temporary,) = re.findall(r"\b[a-z2-9]{4}(?:-[a-z2-9]{4}){3}\b", outbox.sms[-1]["body"])
    secrets += [temporary, code]
    client.get("/_test/fault", headers={"X-Request-ID": '"}{"forged": "id'})

    text = logged.getvalue()
    lines = text.splitlines()
    assert len(lines) > 20  # the journey was logged
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert not any(record.get("message") == "forged" for record in records)
    assert sum(record.get("logger") == "ekesco.access" for record in records) >= 20
    assert any(record.get("logger") == "flask-limiter" for record in records)  # its key logged
    assert any(record.get("level") == "ERROR" for record in records)  # and a traceback
    leaked = [secret for secret in secrets if secret in text]
    assert leaked == []
    assert EMAIL.split("@")[0] not in text
