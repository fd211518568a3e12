"""The 800 kWh block warning: once per meter and month, in the account's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, select

from ekesco_api.extensions import db
from ekesco_api.meters.account_models import BlockWarning
from ekesco_api.meters.block_warnings import month_consumption, send_block_warnings
from ekesco_api.notifications.models import Device, Message, Notification
from ekesco_api.tariffs.models import Tariff
from tests.concurrency import run_at_once
from tests.factories import make_meter, make_reading, make_tariff, utc
from tests.support.customers import add_meter, make_customer

NOW = utc(2031, 3, 20, 12)  # March 2031 in Kosovo; the test tariff has the 800 kWh block


def _reads(session, meter, *points):
    for when, high, low in points:
        make_reading(
            session,
            meter=meter,
            read_at=when,
            kwh_high_total=Decimal(high),
            kwh_low_total=Decimal(low),
        )


def _heavy_month(session, meter, used=(500, 220)):
    """Reads from before the month's start to the 19th: `used` kWh high and low this month."""
    _reads(
        session,
        meter,
        (utc(2031, 2, 28, 22), 10_000, 5_000),  # 23:00 local, still February
        (utc(2031, 3, 10), 10_200, 5_100),
        (utc(2031, 3, 19), 10_000 + used[0], 5_000 + used[1]),
    )


def test_a_household_passing_the_threshold_is_warned_once_in_its_language(db_session, outbox):
    make_tariff(db_session)
    customer = make_customer(db_session, language="en")
    _heavy_month(db_session, customer.meter)

    first = send_block_warnings(db_session, now=NOW)
    second = send_block_warnings(db_session, now=NOW)

    assert (first.over_threshold, first.sent) == (1, 1)
    assert (second.over_threshold, second.sent) == (0, 0)
    assert len(outbox.email) == 1
    email = outbox.email[0]
    assert email["to"] == customer.account.email
    assert email["subject"] == "You are nearing 800 kWh this month"
    assert "has used 720 kWh so far this month" in email["body"]
    assert customer.meter.meter_number in email["body"]
    warning = db_session.scalars(select(BlockWarning)).one()
    assert (warning.meter_id, warning.period, warning.kwh) == (customer.meter.id, "2031-03", 720)
    message = db_session.scalars(select(Message).where(Message.kind == "block_warning")).one()
    assert message.account_id == customer.account.id
    inbox = db_session.scalars(
        select(Notification).where(Notification.account_id == customer.account.id)
    ).one()
    assert (inbox.kind, inbox.title) == ("block_warning", "You are nearing 800 kWh this month")
    assert inbox.body == email["body"]


def test_an_account_with_the_app_installed_gets_a_push_instead_of_an_email(db_session, outbox):
    make_tariff(db_session)
    customer = make_customer(db_session, language="en")
    for token in ("token-phone", "token-tablet"):
        db_session.add(Device(account_id=customer.account.id, platform="android", push_token=token))
    _heavy_month(db_session, customer.meter)

    assert send_block_warnings(db_session, now=NOW).sent == 1

    assert outbox.email == []
    assert sorted(push["to"] for push in outbox.push) == ["token-phone", "token-tablet"]
    assert all("720 kWh" in push["body"] for push in outbox.push)


def test_the_warning_speaks_albanian_and_serbian(db_session, outbox):
    make_tariff(db_session)
    for language in ("sq", "sr"):
        customer = make_customer(db_session, language=language)
        _heavy_month(db_session, customer.meter)
    send_block_warnings(db_session, now=NOW)
    subjects = [email["subject"] for email in outbox.email]
    assert len(subjects) == 2
    assert all("800" in subject for subject in subjects)
    assert len(set(subjects)) == 2
    assert "You are nearing" not in " ".join(subjects)


def test_below_the_threshold_nothing_is_sent_and_nothing_is_recorded(db_session, outbox):
    make_tariff(db_session)
    customer = make_customer(db_session)
    _heavy_month(db_session, customer.meter, used=(500, 199))
    report = send_block_warnings(db_session, now=NOW)
    assert report.over_threshold == 0
    assert outbox.email == []
    # Once the month goes on and passes it, the warning comes.
    _reads(db_session, customer.meter, (utc(2031, 3, 20), 10_500, 5_201))
    assert send_block_warnings(db_session, now=NOW).sent == 1


def test_the_threshold_is_configurable(app, db_session, outbox, monkeypatch):
    make_tariff(db_session)
    customer = make_customer(db_session)
    _heavy_month(db_session, customer.meter, used=(400, 200))
    monkeypatch.setitem(app.config, "BLOCK_WARNING_KWH", 600)
    assert send_block_warnings(db_session, now=NOW).sent == 1
    assert send_block_warnings(db_session, now=NOW, threshold_kwh=Decimal(1)).sent == 0


@pytest.mark.parametrize("kind", ["commercial", "manual", "no_account", "last_month"])
def test_who_is_not_warned(db_session, outbox, kind):
    make_tariff(db_session)
    if kind == "commercial":
        meter = make_customer(db_session, category="commercial").meter
    elif kind == "manual":
        meter = make_customer(db_session, reading_mode="manual").meter
    else:
        meter = make_meter(db_session)  # on no account
    if kind == "last_month":
        meter = make_customer(db_session).meter
        _reads(db_session, meter, (utc(2031, 2, 1), 0, 0), (utc(2031, 2, 27), 900, 0))
    else:
        _heavy_month(db_session, meter)
    report = send_block_warnings(db_session, now=NOW)
    assert report.sent == 0
    assert outbox.email == []
    assert db_session.scalars(select(BlockWarning)).all() == []


def test_an_added_meter_warns_the_account_that_added_it(client, db_session, outbox):
    make_tariff(db_session)
    customer = make_customer(db_session)
    added = make_meter(db_session)
    assert add_meter(client, customer, added).status_code == 201
    _heavy_month(db_session, added)
    assert send_block_warnings(db_session, now=NOW).sent == 1
    assert [email["to"] for email in outbox.email] == [customer.account.email]


def test_month_consumption_counts_from_the_first_read_when_reads_begin_in_the_month(db_session):
    customer = make_customer(db_session)
    _reads(db_session, customer.meter, (utc(2031, 3, 5), 100, 50), (utc(2031, 3, 9), 130, 60))
    assert month_consumption(db_session, period="2031-03") == {customer.meter.id: Decimal(40)}


def test_without_a_block_in_the_tariff_there_is_nothing_to_warn_about(db_session, outbox):
    make_tariff(db_session, block_kwh=None, price_high_above=None, price_low_above=None)
    customer = make_customer(db_session)
    _heavy_month(db_session, customer.meter, used=(5000, 5000))
    assert send_block_warnings(db_session, now=NOW).sent == 0


def test_the_command_reports_what_it_did(runner, db_session, outbox, monkeypatch):
    from ekesco_api.meters import block_warnings

    make_tariff(db_session)
    customer = make_customer(db_session)
    _heavy_month(db_session, customer.meter)
    monkeypatch.setattr(block_warnings, "utcnow", lambda: NOW)

    result = runner.invoke(args=["ekesco", "block-warnings", "--threshold", "650"])

    assert result.exit_code == 0, result.output
    assert "2031-03: 1 meters over the threshold, 1 warned" in result.output


@pytest.fixture
def committed_tariff(app):
    """The test tariff, committed; the tariffs table keeps its seed between tests, so remove it."""
    with app.app_context():
        tariff_id = make_tariff(db.session).id
        db.session.commit()
    yield
    with app.app_context():
        db.session.execute(delete(Tariff).where(Tariff.id == tariff_id))
        db.session.commit()


@pytest.mark.race
def test_two_workers_at_once_send_one_warning(app, committed_tariff):
    with app.app_context():
        customer = make_customer(db.session)
        _heavy_month(db.session, customer.meter)
        db.session.commit()

    def run(_: int) -> Any:
        with app.app_context():
            report = send_block_warnings(db.session(), now=NOW)
            db.session.remove()
            return report

    reports = run_at_once(2, run, timeout=60)
    assert sorted(r.sent for r in reports) == [0, 1]
    with app.app_context():
        warned = db.session.scalars(select(Message).where(Message.kind == "block_warning")).all()
        assert len(warned) == 1
