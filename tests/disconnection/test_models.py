"""What the disconnection records keep when the account they concern is deleted (Art. 29.2)."""

from __future__ import annotations

from sqlalchemy import select

from ekesco_api.disconnection.facts import receipts
from ekesco_api.disconnection.models import DisconnectionNotice
from tests.disconnection.helpers import Scenario
from tests.factories import DEFAULT_PASSWORD
from tests.support.auth import API
from tests.support.customers import make_customer


def test_a_notice_read_in_the_inbox_stays_received_after_the_account_is_deleted(client, db_session):
    customer = make_customer(db_session)
    point = customer.supply_point
    story = Scenario(db_session, point.customer_code, point.id, start=5)
    assert story.event("warning", 0, "80.00") is None
    notice = db_session.scalars(select(DisconnectionNotice)).one()
    read = client.post(
        f"{API}/me/notifications/{notice.notification_id}/read", headers=customer.headers
    )
    read_at = receipts(db_session, [notice])[notice.id][0]

    gone = client.delete(f"{API}/me", json={"password": DEFAULT_PASSWORD}, headers=customer.headers)

    assert (read.status_code, gone.status_code) == (200, 204)
    db_session.expire_all()
    kept = db_session.get(DisconnectionNotice, notice.id)
    # The inbox went with the account; the proof of receipt (Art. 18) did not.
    assert (kept.account_id, kept.notification_id) == (None, None)
    assert (kept.received_at, kept.received_by) == (read_at, "inbox")
    assert receipts(db_session, [kept]) == {kept.id: (read_at, "inbox")}
