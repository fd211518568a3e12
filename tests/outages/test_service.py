"""Outage rules and the fan-out: notice, inheritance, languages, channels, changes, reminders."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ekesco_api.meters.account_models import AccountMeter, SupplyPointClaim
from ekesco_api.notifications.models import Message, Notification
from ekesco_api.outages import fanout
from ekesco_api.outages import service as svc
from ekesco_api.outages.errors import EndsBeforeStart, NoticeTooShort, OutageClosed
from ekesco_api.outages.models import AreaSubscription, OutageReminder
from tests.factories import make_meter, make_supply_point
from tests.support.areas import account_in, make_tree
from tests.support.outages import REASON

LOCAL = ZoneInfo("Europe/Belgrade")
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def _create(session: Session, areas: list[Any], starts_at: dt.datetime, **kw: Any) -> Any:
    values: dict[str, Any] = {
        "kind": "planned",
        "area_ids": [a.id for a in areas],
        "starts_at": starts_at,
        "ends_at": starts_at + dt.timedelta(hours=3),
        "reason": REASON,
        "staff_id": 1,
        "now": NOW,
    }
    values.update(kw)
    return svc.create_outage(session, **values)


def _inbox(session: Session, account: Any) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.account_id == account.id)
            .order_by(Notification.id)
        )
    )


def _messages(session: Session, account: Any) -> list[Message]:
    return list(
        session.scalars(
            select(Message).where(Message.account_id == account.id).order_by(Message.id)
        )
    )


# ------------------------------------------------------------------------ the 24-hour rule


def test_planned_outage_exactly_24_hours_ahead_is_accepted() -> None:
    svc.check_notice(kind="planned", starts_at=NOW + dt.timedelta(hours=24), now=NOW)


def test_planned_outage_a_minute_short_of_24_hours_is_refused() -> None:
    with pytest.raises(NoticeTooShort):
        svc.check_notice(
            kind="planned",
            starts_at=NOW + dt.timedelta(hours=24) - dt.timedelta(minutes=1),
            now=NOW,
        )


def test_unplanned_outage_may_start_now() -> None:
    svc.check_notice(kind="unplanned", starts_at=NOW, now=NOW)


def _real(moment: dt.datetime) -> dt.datetime:
    # Python subtracts two times of one zone on the wall clock; in UTC it counts real hours.
    return moment.astimezone(dt.UTC)


def test_spring_forward_day_counts_local_clock_hours() -> None:
    # Clocks go 02:00 → 03:00 on 29 March 2026: 10:00 to 10:00 is 24 local hours, 23 real ones.
    now = dt.datetime(2026, 3, 28, 10, 0, tzinfo=LOCAL)
    next_day = dt.datetime(2026, 3, 29, 10, 0, tzinfo=LOCAL)
    assert _real(next_day) - _real(now) == dt.timedelta(hours=23)
    svc.check_notice(kind="planned", starts_at=next_day, now=now)
    with pytest.raises(NoticeTooShort):
        svc.check_notice(kind="planned", starts_at=next_day - dt.timedelta(minutes=1), now=now)


def test_fall_back_day_needs_25_real_hours() -> None:
    # Clocks go 03:00 → 02:00 on 25 October 2026.
    now = dt.datetime(2026, 10, 24, 10, 0, tzinfo=LOCAL)
    half_past_nine = dt.datetime(2026, 10, 25, 9, 30, tzinfo=LOCAL)
    assert _real(half_past_nine) - _real(now) == dt.timedelta(hours=24, minutes=30)
    with pytest.raises(NoticeTooShort):
        svc.check_notice(kind="planned", starts_at=half_past_nine, now=now)
    svc.check_notice(
        kind="planned", starts_at=dt.datetime(2026, 10, 25, 10, 0, tzinfo=LOCAL), now=now
    )


def test_end_must_follow_start(db_session: Session) -> None:
    tree = make_tree(db_session)
    start = NOW + dt.timedelta(days=2)
    with pytest.raises(EndsBeforeStart):
        _create(db_session, [tree.city], start, ends_at=start)


# --------------------------------------------------------------------------- who is told


def test_an_area_covers_its_children(db_session: Session) -> None:
    tree = make_tree(db_session)
    in_north = account_in(db_session, tree.north)
    in_south = account_in(db_session, tree.south)
    elsewhere = account_in(db_session, tree.other_city)
    _create(db_session, [tree.city], NOW + dt.timedelta(days=2))
    assert len(_inbox(db_session, in_north)) == 1
    assert len(_inbox(db_session, in_south)) == 1
    assert _inbox(db_session, elsewhere) == []


def test_a_neighbourhood_outage_spares_its_siblings(db_session: Session) -> None:
    tree = make_tree(db_session)
    in_north = account_in(db_session, tree.north)
    in_south = account_in(db_session, tree.south)
    _create(db_session, [tree.north], NOW + dt.timedelta(days=2))
    assert len(_inbox(db_session, in_north)) == 1
    assert _inbox(db_session, in_south) == []


def test_a_meter_added_to_an_account_brings_its_area(db_session: Session) -> None:
    tree = make_tree(db_session)
    account = account_in(db_session, tree.other_city)
    holiday_home = make_supply_point(db_session, area_id=tree.south.id)
    meter = make_meter(db_session, supply_point_id=holiday_home.id)
    db_session.add(SupplyPointClaim(supply_point_id=holiday_home.id, account_id=account.id))
    db_session.flush()
    db_session.add(
        AccountMeter(account_id=account.id, supply_point_id=holiday_home.id, meter_id=meter.id)
    )
    db_session.flush()
    outage = _create(db_session, [tree.south], NOW + dt.timedelta(days=2))
    assert len(_inbox(db_session, account)) == 1
    assert tree.south.id in svc.account_area_ids(db_session, account.id)
    mine = svc.find_outages(
        db_session, area_ids=svc.account_area_ids(db_session, account.id), now=NOW
    )
    assert [o.id for o in db_session.scalars(mine)] == [outage.id]


def test_followers_of_a_city_hear_of_its_neighbourhoods(db_session: Session) -> None:
    tree = make_tree(db_session)
    follower = account_in(db_session, tree.other_city)
    db_session.add(AreaSubscription(account_id=follower.id, area_id=tree.city.id))
    db_session.flush()
    _create(db_session, [tree.north], NOW + dt.timedelta(days=2))
    assert len(_inbox(db_session, follower)) == 1


def test_accounts_not_yet_verified_are_not_told(db_session: Session) -> None:
    tree = make_tree(db_session)
    pending = account_in(db_session, tree.north, verified=False, channels=("sms",))
    _create(db_session, [tree.city], NOW + dt.timedelta(days=2))
    assert _inbox(db_session, pending) == []
    assert _messages(db_session, pending) == []


def test_one_notification_per_account_even_when_two_areas_cover_it(db_session: Session) -> None:
    tree = make_tree(db_session)
    account = account_in(db_session, tree.north, channels=("sms",))
    db_session.add(AreaSubscription(account_id=account.id, area_id=tree.locality.id))
    db_session.flush()
    _create(db_session, [tree.city, tree.north], NOW + dt.timedelta(days=2))
    assert len(_inbox(db_session, account)) == 1
    assert len(_messages(db_session, account)) == 1


# ------------------------------------------------------------------ languages and channels


def test_each_account_is_told_in_its_own_language(db_session: Session) -> None:
    tree = make_tree(db_session)
    sq = account_in(db_session, tree.north, language="sq", channels=("sms",))
    en = account_in(db_session, tree.north, language="en", channels=("sms",))
    sr = account_in(db_session, tree.north, language="sr", channels=("sms",))
    _create(db_session, [tree.north], dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC))
    (note_en,) = _inbox(db_session, en)
    assert note_en.title == "Planned power outage"
    assert "Network works" in note_en.body
    assert "30.11.2026 09:00" in note_en.body  # local time
    (note_sq,) = _inbox(db_session, sq)
    assert note_sq.title == "Ndërprerje e planifikuar e energjisë"
    assert "Punime në rrjet" in note_sq.body
    (note_sr,) = _inbox(db_session, sr)
    assert "Radovi na mreži" in note_sr.body
    assert "Sever" in note_sr.body  # the area's Serbian name
    assert _messages(db_session, sr)[0].body == note_sr.body


def test_channels_decide_the_outbox(db_session: Session) -> None:
    tree = make_tree(db_session)
    inbox_only = account_in(db_session, tree.north)
    by_sms = account_in(db_session, tree.north, channels=("sms",))
    by_email = account_in(db_session, tree.north, channels=("email",))
    by_push = account_in(db_session, tree.north, channels=("push",), devices=("tok-a", "tok-b"))
    push_no_device = account_in(db_session, tree.north, channels=("push",))
    _create(db_session, [tree.north], NOW + dt.timedelta(days=2))

    assert _messages(db_session, inbox_only) == []
    assert [(m.channel, m.recipient) for m in _messages(db_session, by_sms)] == [
        ("sms", by_sms.phone)
    ]
    (email,) = _messages(db_session, by_email)
    assert (email.channel, email.recipient, email.subject) == (
        "email",
        by_email.email,
        "Ndërprerje e planifikuar e energjisë",
    )
    assert sorted(m.recipient for m in _messages(db_session, by_push)) == ["tok-a", "tok-b"]
    assert _messages(db_session, push_no_device) == []
    for account in (inbox_only, by_sms, by_email, by_push, push_no_device):
        assert len(_inbox(db_session, account)) == 1
    assert {m.status for m in db_session.scalars(select(Message))} == {"queued"}


# ---------------------------------------------------------------------- reschedule, cancel


def test_reschedule_notifies_and_bumps_the_sequence(db_session: Session) -> None:
    tree = make_tree(db_session)
    account = account_in(db_session, tree.north, language="en", channels=("sms",))
    outage = _create(db_session, [tree.north], NOW + dt.timedelta(days=2))
    new_start = NOW + dt.timedelta(days=3)
    svc.change_outage(
        db_session,
        outage_id=outage.id,
        changes={"starts_at": new_start, "ends_at": new_start + dt.timedelta(hours=2)},
        now=NOW,
    )
    assert (outage.status, outage.sequence) == ("rescheduled", 1)
    notes = _inbox(db_session, account)
    assert [n.kind for n in notes] == ["outage_announced", "outage_rescheduled"]
    assert notes[1].title == "Power outage rescheduled"
    assert fanout._when(new_start) in notes[1].body
    assert [m.kind for m in _messages(db_session, account)] == [
        "outage_announced",
        "outage_rescheduled",
    ]


def test_moving_a_planned_start_needs_notice_again(db_session: Session) -> None:
    tree = make_tree(db_session)
    outage = _create(db_session, [tree.north], NOW + dt.timedelta(days=2))
    with pytest.raises(NoticeTooShort):
        svc.change_outage(
            db_session,
            outage_id=outage.id,
            changes={"starts_at": NOW + dt.timedelta(hours=2)},
            now=NOW,
        )


def test_cancel_notifies_and_closes_the_outage(db_session: Session) -> None:
    tree = make_tree(db_session)
    account = account_in(db_session, tree.north, language="en", channels=("email",))
    outage = _create(db_session, [tree.north], NOW + dt.timedelta(days=2))
    svc.change_outage(db_session, outage_id=outage.id, changes={"status": "cancelled"}, now=NOW)
    assert outage.status == "cancelled"
    assert _inbox(db_session, account)[-1].title == "Power outage cancelled"
    assert _messages(db_session, account)[-1].subject == "Power outage cancelled"
    with pytest.raises(OutageClosed):
        svc.change_outage(db_session, outage_id=outage.id, changes={"status": "cancelled"}, now=NOW)


def test_a_finished_outage_reads_completed_and_cannot_change(db_session: Session) -> None:
    tree = make_tree(db_session)
    outage = _create(db_session, [tree.north], NOW, kind="unplanned")
    later = outage.ends_at + dt.timedelta(minutes=1)
    assert outage.effective_status(later) == "completed"
    with pytest.raises(OutageClosed):
        svc.change_outage(
            db_session, outage_id=outage.id, changes={"status": "cancelled"}, now=later
        )
    history = db_session.scalars(svc.find_outages(db_session, status="completed", now=later))
    assert [o.id for o in history] == [outage.id]
    assert list(db_session.scalars(svc.find_outages(db_session, now=later))) == []


# --------------------------------------------------------------------------------- reminders


def test_reminder_goes_out_from_18_local_the_evening_before_once(db_session: Session) -> None:
    tree = make_tree(db_session)
    by_sms = account_in(db_session, tree.north, channels=("sms",))
    by_push = account_in(db_session, tree.north, channels=("push",), devices=("tok-r",))
    by_email = account_in(db_session, tree.north, channels=("email",))
    inbox_only = account_in(db_session, tree.north)
    start = dt.datetime(2026, 11, 27, 9, 0, tzinfo=LOCAL)
    _create(db_session, [tree.north], start)

    before = dt.datetime(2026, 11, 26, 17, 59, tzinfo=LOCAL)
    assert fanout.send_reminders(db_session, now=before) == 0
    evening = dt.datetime(2026, 11, 26, 18, 0, tzinfo=LOCAL)
    assert fanout.send_reminders(db_session, now=evening) == 2
    assert fanout.send_reminders(db_session, now=evening + dt.timedelta(hours=1)) == 0

    def reminders(account: Any) -> list[Message]:
        return [m for m in _messages(db_session, account) if m.kind == "outage_reminder"]

    assert [m.channel for m in reminders(by_sms)] == ["sms"]
    assert [m.recipient for m in reminders(by_push)] == ["tok-r"]
    assert reminders(by_email) == [] and reminders(inbox_only) == []
    assert db_session.scalar(select(func.count()).select_from(OutageReminder)) == 2


def test_no_reminder_for_a_cancelled_outage(db_session: Session) -> None:
    tree = make_tree(db_session)
    account_in(db_session, tree.north, channels=("sms",))
    outage = _create(db_session, [tree.north], dt.datetime(2026, 11, 27, 9, 0, tzinfo=LOCAL))
    svc.change_outage(db_session, outage_id=outage.id, changes={"status": "cancelled"}, now=NOW)
    evening = dt.datetime(2026, 11, 26, 19, 0, tzinfo=LOCAL)
    assert fanout.send_reminders(db_session, now=evening) == 0


def test_a_rescheduled_outage_is_reminded_for_its_new_day(db_session: Session) -> None:
    tree = make_tree(db_session)
    account_in(db_session, tree.north, channels=("sms",))
    outage = _create(db_session, [tree.north], dt.datetime(2026, 11, 27, 9, 0, tzinfo=LOCAL))
    assert (
        fanout.send_reminders(db_session, now=dt.datetime(2026, 11, 26, 18, 5, tzinfo=LOCAL)) == 1
    )
    new_start = dt.datetime(2026, 11, 29, 9, 0, tzinfo=LOCAL)
    svc.change_outage(
        db_session,
        outage_id=outage.id,
        changes={"starts_at": new_start, "ends_at": new_start + dt.timedelta(hours=1)},
        now=dt.datetime(2026, 11, 26, 19, 0, tzinfo=LOCAL),
    )
    assert (
        fanout.send_reminders(db_session, now=dt.datetime(2026, 11, 28, 18, 0, tzinfo=LOCAL)) == 1
    )


def test_no_reminder_after_midnight_nor_for_a_fault(db_session: Session) -> None:
    tree = make_tree(db_session)
    account_in(db_session, tree.north, channels=("sms",))
    _create(db_session, [tree.north], dt.datetime(2026, 11, 27, 9, 0, tzinfo=LOCAL))
    assert fanout.send_reminders(db_session, now=dt.datetime(2026, 11, 27, 0, 5, tzinfo=LOCAL)) == 0
    fault_start = dt.datetime(2026, 11, 28, 12, 0, tzinfo=LOCAL)
    _create(db_session, [tree.north], fault_start, kind="unplanned")
    evening = dt.datetime(2026, 11, 27, 18, 30, tzinfo=LOCAL)
    assert fanout.send_reminders(db_session, now=evening) == 0
