"""`ekesco import` of disconnections.csv: good events move cases, forbidden ones are reported
by file, line and article, kept for staff, and the good rows around them still load."""

from __future__ import annotations

from sqlalchemy import func, select

from ekesco_api.disconnection.models import DisconnectionEvent, RefusedEvent
from ekesco_api.notifications.models import Notification
from tests.disconnection.helpers import Scenario, ago, import_events, row, the_case
from tests.factories import make_supply_point
from tests.support.customers import make_customer


def test_a_warning_opens_a_case_and_tells_the_customer(db_session, tmp_path, outbox):
    customer = make_customer(db_session, language="en")
    code = customer.supply_point.customer_code
    summary = import_events(db_session, tmp_path, [row("W1", code, "warning", ago(3), "120.50")])

    assert summary.error_count == 0
    case = the_case(db_session, customer.supply_point.id)
    assert (case.stage, case.amount_due, case.reason) == ("warned", 120.50, "non_payment")
    note = db_session.scalars(
        select(Notification).where(Notification.account_id == customer.account.id)
    ).one()
    assert note.title.startswith("Warning before disconnection")
    for words in (
        "Arben Krasniqi",
        code,
        customer.meter.meter_number,
        "Art. 6.1",
        "Customer Care office",
        "Reconnection",
        "Energy Regulatory Office",
        "object in writing",
        "€120.50",
    ):
        assert words in note.body, words
    assert len(outbox.email) == 1 and "Art. 6.1" in outbox.email[0]["body"]
    assert len(outbox.sms) == 1 and code in outbox.sms[0]["body"]


def test_the_notice_is_in_the_accounts_language(db_session, tmp_path):
    sq = make_customer(db_session, language="sq")
    sr = make_customer(db_session, language="sr")
    import_events(
        db_session,
        tmp_path,
        [
            row("W-sq", sq.supply_point.customer_code, "warning", ago(3), "10.00"),
            row("W-sr", sr.supply_point.customer_code, "warning", ago(3), "10.00"),
        ],
    )
    titles = dict(db_session.execute(select(Notification.account_id, Notification.title)).all())
    assert titles[sq.account.id].startswith("Paralajmërim")
    assert titles[sr.account.id].startswith("Upozorenje")


def test_a_forbidden_event_is_reported_with_its_article_and_the_good_rows_load(
    db_session, tmp_path
):
    point = make_supply_point(db_session)
    other = make_supply_point(db_session)
    code, fine = point.customer_code, other.customer_code
    warned = ago(30)
    summary = import_events(
        db_session,
        tmp_path,
        [
            row("A1", code, "warning", warned, "50.00"),
            # Five days after the warning: Art. 15.2 forbids the notice.
            row("A2", code, "notice", ago(25), scheduled_for=ago(20).date()),
            row("B1", fine, "warning", warned, "20.00"),
            row("A3", code, "disconnected", ago(10)),
        ],
    )

    report = summary.report("disconnections.csv")
    assert [(e.line, e.code, e.params["article"]) for e in report.errors] == [
        (3, "ero_warning_period", "15.2"),
        (5, "ero_no_notice", "16.1"),
    ]
    assert "Art. 15.2" in report.errors[0].message()
    assert report.inserted == 2
    assert the_case(db_session, point.id).stage == "warned"
    assert the_case(db_session, other.id).stage == "warned"
    refused = db_session.scalars(select(RefusedEvent).order_by(RefusedEvent.event_id)).all()
    assert [(r.event_id, r.article) for r in refused] == [("A2", "15.2"), ("A3", "16.1")]


def test_importing_twice_changes_nothing(db_session, tmp_path, outbox):
    point = make_supply_point(db_session)
    rows = [
        row("C1", point.customer_code, "warning", ago(30), "50.00"),
        row("C2", point.customer_code, "notice", ago(25), scheduled_for=ago(20).date()),
    ]
    import_events(db_session, tmp_path, rows)
    events = db_session.scalar(select(func.count()).select_from(DisconnectionEvent))
    refused = db_session.scalar(select(func.count()).select_from(RefusedEvent))

    again = import_events(db_session, tmp_path, rows)

    report = again.report("disconnections.csv")
    assert (report.inserted, report.unchanged, report.rejected) == (0, 1, 1)
    assert db_session.scalar(select(func.count()).select_from(DisconnectionEvent)) == events
    assert db_session.scalar(select(func.count()).select_from(RefusedEvent)) == refused


def test_an_event_that_comes_back_changed_is_refused(db_session, tmp_path):
    point = make_supply_point(db_session)
    import_events(db_session, tmp_path, [row("D1", point.customer_code, "warning", ago(3), "5.00")])
    again = import_events(
        db_session, tmp_path, [row("D1", point.customer_code, "warning", ago(3), "6.00")]
    )
    assert [e.code for e in again.report("disconnections.csv").errors] == ["ero_event_changed"]


def test_a_duplicate_event_id_in_one_file_is_applied_once(db_session, tmp_path):
    point = make_supply_point(db_session)
    line = row("D2", point.customer_code, "warning", ago(3), "5.00")
    summary = import_events(db_session, tmp_path, [line, line])
    assert [e.code for e in summary.report("disconnections.csv").errors] == ["duplicate_key"]
    assert len(the_case(db_session, point.id).events) == 1


def test_a_full_case_loads_when_each_step_keeps_the_rule(db_session, tmp_path):
    point = make_supply_point(db_session)
    story = Scenario(db_session, point.customer_code, point.id)
    story.warned().noticed().disconnected()
    assert story.case.stage == "disconnected"
    assert story.event("reconnected", 23) is None
    case = story.case
    assert (case.stage, case.outcome, case.closed_at is not None) == (
        "reconnected",
        "reconnected",
        True,
    )


def test_art_16_4_a_disconnection_before_the_notice_is_received_three_days_is_refused(
    db_session, tmp_path
):
    point = make_supply_point(db_session)
    story = Scenario(db_session, point.customer_code, point.id).warned()
    assert story.event("notice", 17, scheduled_for=story.at(21).date()) is None
    refused = story.event("disconnected", 22)  # the notice was never shown received
    assert refused is not None
    assert (refused.code, refused.article) == ("ero_notice_not_received", "18.2")


def test_bad_values_are_reported_like_any_file(db_session, tmp_path):
    point = make_supply_point(db_session)
    summary = import_events(
        db_session,
        tmp_path,
        [
            row("E1", "NOPE 1", "warning", ago(3), "5.00"),
            row("E2", point.customer_code, "cut", ago(3)),
            row("E3", point.customer_code, "warning", ago(3), "0.00"),
        ],
    )
    assert [e.code for e in summary.report("disconnections.csv").errors] == [
        "unknown_customer_code",
        "bad_choice",
        "out_of_range",
    ]


def test_art_17_the_disconnection_notice_says_what_the_rule_asks_in_serbian(db_session, outbox):
    customer = make_customer(db_session, language="sr")
    point = customer.supply_point
    story = Scenario(db_session, point.customer_code, point.id).warned("75.40").noticed()
    notice = db_session.scalars(
        select(Notification)
        .where(Notification.account_id == customer.account.id)
        .order_by(Notification.id.desc())
    ).first()
    day = story.at(21).date().strftime("%d.%m.%Y")
    assert notice.title == f"Obaveštenje o isključenju – {point.customer_code}"
    for words in (
        "Arben Krasniqi",  # a) the customer's name
        customer.meter.meter_number,  # a) and meter number
        "čl. 6.1 i 15",  # b) the reason and its legal basis
        "kancelarija za brigu o potrošačima",  # c-d) the office to ask or show payment
        "Da to sprečite, platite",  # e) how to prevent it
        "Ponovno priključenje",  # f) how to be reconnected
        "Regulatornoj kancelariji za energiju",  # g) the right to complain
        day,  # the date in the notice
    ):
        assert words in notice.body, words
    assert outbox.email[-1]["subject"] == notice.title
    assert point.customer_code in outbox.sms[-1]["body"]
