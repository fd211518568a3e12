"""A temporary password set by support leaves no trace in the outbox once it went out."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Table, select

from ekesco_api.notifications.models import REDACTED_BODY, Message
from tests.factories import make_account
from tests.support.auth import TEMP_PASSWORD

MESSAGES = Message.__table__
assert isinstance(MESSAGES, Table)


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_the_temporary_password_is_not_kept_in_the_outbox(
    client: Any, db_session: Any, support_headers: Any, outbox: Any, channel: str
) -> None:
    account = make_account(db_session)
    response = client.post(
        f"/api/v1/staff/accounts/{account.id}/password-reset",
        json={"channel": channel},
        headers=support_headers,
    )
    assert response.status_code == 202
    [sent] = outbox.sms if channel == "sms" else outbox.email
    temporary = TEMP_PASSWORD.search(sent["body"]).group(1)

    [stored] = db_session.execute(
        select(MESSAGES).where(
            MESSAGES.c.account_id == account.id, MESSAGES.c.kind == "temporary_password"
        )
    ).mappings()
    assert temporary not in "\n".join(str(value) for value in stored.values())
    assert (stored["status"], stored["body"], stored["secret"]) == ("sent", REDACTED_BODY, True)
