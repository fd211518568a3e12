"""Deleting an account takes what hangs off it and keeps the records, without the link."""

from __future__ import annotations

from sqlalchemy import func, select

from ekesco_api.accounts.models import Account
from ekesco_api.accounts.removal import delete_accounts
from ekesco_api.notifications.models import Message, Notification
from ekesco_api.notifications.service import queue_message
from tests.factories import make_account


def _inbox(session, account: Account) -> None:
    session.add(Notification(account_id=account.id, kind="outage", title="t", body="b"))


def test_inbox_goes_and_the_message_log_stays_unlinked(db_session):
    leaving, staying = make_account(db_session), make_account(db_session)
    for account in (leaving, staying):
        _inbox(db_session, account)
        queue_message(
            db_session, channel="sms", to=account.phone, body="b", kind="x", account_id=account.id
        )
    db_session.flush()

    delete_accounts(db_session, [leaving.id])

    count = select(func.count()).select_from(Notification)
    assert db_session.scalar(count.where(Notification.account_id == leaving.id)) == 0
    assert db_session.scalar(count.where(Notification.account_id == staying.id)) == 1
    links = db_session.scalars(select(Message.account_id).order_by(Message.id)).all()
    assert links == [None, staying.id]
    assert db_session.get(Account, staying.id) is not None
    assert db_session.scalar(select(Account.id).where(Account.id == leaving.id)) is None


def test_nothing_to_delete_is_no_error(db_session):
    delete_accounts(db_session, [])
