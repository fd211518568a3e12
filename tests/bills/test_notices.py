"""Telling an account about its bills: a new bill from the import, a reminder before it is due;
each at most once per bill, whatever the number of imports, runs or workers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ekesco_api.accounts.removal import delete_accounts
from ekesco_api.bills.models import Bill, BillNotice
from ekesco_api.bills.notices import (
    queue_due_reminders,
    queue_new_bills,
    remind_and_send,
    send_bill_notices,
)
from ekesco_api.cis_import.service import import_directory
from ekesco_api.clock import local_today
from ekesco_api.extensions import db
from ekesco_api.notifications.models import (
    Device,
    Message,
    MutedKind,
    Notification,
    NotificationChannels,
)
from tests.concurrency import run_at_once
from tests.factories import make_bill, make_cis_payment, make_supply_point
from tests.support.customers import make_customer

HEADER = (
    "bill_number,customer_code,period,issued_on,due_on,kwh_high,kwh_low,energy_amount,"
    "fixed_fee,vat_amount,previous_balance,total\n"
)


def _bills_csv(directory, *rows):
    directory.mkdir(exist_ok=True)
    (directory / "bills.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    return directory


def _row(number, code, *, issued, due, total="34.28"):
    energy = Decimal(total) - Decimal("1.74") - Decimal("2.54")
    return (
        f"{number},{code},{issued:%Y-%m},{issued},{due},210.5,120.25,{energy},1.74,2.54,"
        f"0.00,{total}\n"
    )


def _inbox(session, account_id, kind=None):
    query = select(Notification).where(Notification.account_id == account_id)
    if kind:
        query = query.where(Notification.kind == kind)
    return session.scalars(query.order_by(Notification.id)).all()


def _messages(session, kind):
    return session.scalars(select(Message).where(Message.kind == kind).order_by(Message.id)).all()


def _with_channels(session, account, **chosen):
    session.add(NotificationChannels(account_id=account.id, **chosen))
    session.add(Device(account_id=account.id, platform="android", push_token=f"tok-{account.id}"))
    session.flush()


# --- a new bill ------------------------------------------------------------------------------


def test_a_new_bill_imported_twice_is_told_once(db_session, tmp_path):
    today = local_today()
    customer = make_customer(db_session, customer_code="DPR 0101010", language="en")
    _with_channels(db_session, customer.account, sms=True, email=True, push=True)
    export = _bills_csv(
        tmp_path / "export",
        _row("2026000001", "DPR 0101010", issued=today, due=today + dt.timedelta(days=20)),
    )

    import_directory(db_session, export)
    import_directory(db_session, export)  # the same export again
    first = send_bill_notices(db_session)
    import_directory(db_session, export)
    again = send_bill_notices(db_session)

    assert (first.sent, again.sent) == (1, 0)
    [note] = _inbox(db_session, customer.account.id, "bill_issued")
    due = today + dt.timedelta(days=20)
    assert "34.28" in note.body and due.strftime("%d.%m.%Y") in note.body
    assert "DPR 0101010" in note.body
    sent = _messages(db_session, "bill_issued")
    assert sorted(m.channel for m in sent) == ["email", "push", "sms"]
    [sms] = [m for m in sent if m.channel == "sms"]
    # An SMS names the code by its last digits: a 6-digit run is a verification code's mark.
    assert "0101010" not in sms.body and "ending in 010" in sms.body


def test_only_the_bills_new_in_this_file_and_not_yet_due_are_told(db_session, tmp_path):
    today = local_today()
    customer = make_customer(db_session, customer_code="DPR 0101010")
    nobodys = make_supply_point(db_session, customer_code="DPR 0202020")
    export = _bills_csv(
        tmp_path / "export",
        _row("2026000001", "DPR 0101010", issued=today, due=today + dt.timedelta(days=20)),
        # History loaded late: already due.
        _row(
            "2025000001",
            "DPR 0101010",
            issued=today - dt.timedelta(days=60),
            due=today - dt.timedelta(days=40),
        ),
        _row("2026000002", nobodys.customer_code, issued=today, due=today + dt.timedelta(days=20)),
    )
    import_directory(db_session, export)
    send_bill_notices(db_session)
    assert len(_inbox(db_session, customer.account.id)) == 1
    assert db_session.scalar(select(func.count()).select_from(BillNotice)) == 1


def _now():
    return dt.datetime.now(dt.UTC)


def _due_bill(session, customer, *, in_days, total="34.28"):
    today = local_today()
    return make_bill(
        session,
        supply_point=customer.supply_point,
        issued_on=today - dt.timedelta(days=10),
        due_on=today + dt.timedelta(days=in_days),
        total=Decimal(total),
    )


def _paid(session, customer, amount):
    make_cis_payment(
        session, supply_point=customer.supply_point, amount=Decimal(amount), paid_at=_now()
    )


def test_a_new_bill_already_paid_says_there_is_nothing_to_pay(db_session):
    customer = make_customer(db_session, language="en")
    bill = _due_bill(db_session, customer, in_days=15)
    _paid(db_session, customer, bill.total)
    queue_new_bills(db_session, bill_ids=select(Bill.id).where(Bill.id == bill.id))
    send_bill_notices(db_session)
    [note] = _inbox(db_session, customer.account.id)
    assert "nothing left to pay" in note.body


# --- the reminder ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("in_days", "paid", "reminded"),
    [
        (3, "0.00", True),
        (0, "0.00", True),  # due today: still in time
        (4, "0.00", False),  # not yet
        (-1, "0.00", False),  # past due: no longer "due soon"
        (2, "34.28", False),  # paid
        (2, "50.00", False),  # overpaid
    ],
)
def test_a_reminder_goes_three_days_before_a_due_date_while_money_is_owed(
    db_session, in_days, paid, reminded
):
    customer = make_customer(db_session)
    _due_bill(db_session, customer, in_days=in_days)
    if paid != "0.00":
        _paid(db_session, customer, paid)
    report = remind_and_send(db_session)
    assert report.sent == (1 if reminded else 0)
    assert len(_inbox(db_session, customer.account.id, "bill_due")) == (1 if reminded else 0)


def test_the_reminder_names_what_is_still_owed_in_the_accounts_language(db_session):
    customer = make_customer(db_session, language="sr")
    _due_bill(db_session, customer, in_days=2)
    _paid(db_session, customer, "20.00")
    remind_and_send(db_session)
    [note] = _inbox(db_session, customer.account.id, "bill_due")
    assert "14,28" in note.body and note.title.startswith("Vaš račun")


def test_a_bill_paid_between_queueing_and_sending_is_not_reminded(db_session):
    customer = make_customer(db_session)
    _due_bill(db_session, customer, in_days=1)
    queue_due_reminders(db_session)
    _paid(db_session, customer, "34.28")
    report = send_bill_notices(db_session)
    assert (report.sent, report.skipped) == (0, 1)
    assert _inbox(db_session, customer.account.id) == []


def test_every_run_of_the_day_reminds_once(db_session):
    customer = make_customer(db_session)
    _due_bill(db_session, customer, in_days=2)
    assert [remind_and_send(db_session).sent for _ in range(3)] == [1, 0, 0]
    assert len(_inbox(db_session, customer.account.id)) == 1


# --- switched off, account gone --------------------------------------------------------------


def test_a_kind_switched_off_is_not_told(db_session):
    customer = make_customer(db_session)
    db_session.add(MutedKind(account_id=customer.account.id, kind="bill_due"))
    _due_bill(db_session, customer, in_days=2)
    report = remind_and_send(db_session)
    assert (report.sent, report.skipped) == (0, 1)
    assert _inbox(db_session, customer.account.id) == []


def test_a_notice_queued_for_an_account_deleted_since_is_dropped(db_session):
    customer = make_customer(db_session)
    _due_bill(db_session, customer, in_days=2)
    queue_due_reminders(db_session)
    delete_accounts(db_session, [customer.account.id])
    report = send_bill_notices(db_session)
    assert (report.sent, report.skipped) == (0, 1)
    assert db_session.scalars(select(Message)).all() == []


def test_the_command_reminds_and_sends(runner, db_session):
    customer = make_customer(db_session)
    _due_bill(db_session, customer, in_days=2)
    result = runner.invoke(args=["ekesco", "bill-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output


# --- two workers -----------------------------------------------------------------------------


@pytest.mark.race
def test_two_workers_send_each_notice_once(app, db_session):
    with app.app_context():
        customers = [make_customer(db.session) for _ in range(30)]
        for customer in customers:
            _with_channels(db.session, customer.account, sms=True)
            _due_bill(db.session, customer, in_days=2)
        db.session.commit()
        accounts = [customer.account.id for customer in customers]

    def work(_index):
        with app.app_context():
            return remind_and_send(db.session(), now=_now()).sent

    sent = run_at_once(2, work)

    assert sum(sent) == len(accounts)
    with app.app_context():
        per_account = db.session.execute(
            select(Notification.account_id, func.count())
            .where(Notification.kind == "bill_due")
            .group_by(Notification.account_id)
        ).all()
        assert sorted(per_account) == [(account, 1) for account in sorted(accounts)]
        assert len(_messages(db.session, "bill_due")) == len(accounts)
