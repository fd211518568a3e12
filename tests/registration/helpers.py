"""Registration helpers: the code in a message, a valid registration body, a pending account."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ekesco_api.accounts.models import Account
from ekesco_api.keys import email_key
from ekesco_api.passwords import hash_password
from tests.factories import make_supply_point

CODE_RUN = re.compile(r"(?<!\d)\d{6}(?!\d)")


def code_in(body: str) -> str:
    """The verification code: the only run of exactly 6 digits in the message."""
    runs = CODE_RUN.findall(body)
    assert len(runs) == 1, body
    return runs[0]


def registration_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_code": "dgj0042137",
        "first_name": "Arben",
        "last_name": "Krasniqi",
        "phone": "044 123 456",
        "email": "Arben.Krasniqi@Example.com",
        "personal_number": "1234567890",
        "id_card_expiry": "2031-05-17",
        "password": "violet harbour lantern",
        "language": "en",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def make_pending_account(session: Any, **overrides: Any) -> Any:
    """A registration waiting for its code, on a new supply point unless one is given."""
    supply_point = overrides.pop("supply_point", None) or make_supply_point(session)
    email = overrides.pop("email", f"holder{supply_point.id}@example.com")
    values: dict[str, Any] = {
        "supply_point_id": supply_point.id,
        "first_name": supply_point.first_name,
        "last_name": supply_point.last_name,
        "email": email,
        "email_key": email_key(email),
        "phone": f"+383441{supply_point.id:05d}",
        "personal_number": "1234567890",
        "id_card_expiry": dt.date(2031, 1, 1),
        "password_hash": hash_password("violet harbour lantern"),
        "language": "en",
        "status": "pending_verification",
        "name_matches_holder": True,
        "password_change_required": False,
    }
    values.update(overrides)
    account = Account(**values)
    session.add(account)
    session.flush()
    return account
