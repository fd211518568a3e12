"""The state machine: each article the case obeys has a test that fails when it is broken."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from ekesco_api.clock import ZONE
from ekesco_api.disconnection import rules
from ekesco_api.disconnection.rules import Facts, ObjectionFact, Span, Stage

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZONE)  # type: ignore[misc]


WARNED = local(2026, 3, 2, 10, 0)
RECEIVED = local(2026, 3, 3, 9, 0)  # objection window: ends with 18 March
NOTICE_AT = local(2026, 3, 19, 10, 0)
NOTICE_RECEIVED = local(2026, 3, 20, 8, 0)  # no disconnection before 23 March


def warned(**changes) -> Facts:
    facts = rules.apply(Facts(), "warning", WARNED)
    return dataclasses.replace(facts, **{"warning_received_at": RECEIVED, **changes})


def noticed(**changes) -> Facts:
    facts = rules.apply(warned(), "notice", NOTICE_AT, scheduled_for=dt.date(2026, 3, 23))
    return dataclasses.replace(facts, **{"notice_received_at": NOTICE_RECEIVED, **changes})


def check(facts, event, at, **kw):
    refusal = rules.check(facts, event, at, now=NOW, **kw)
    return None if refusal is None else (refusal.code, refusal.article)


def test_art_15_1_a_notice_needs_a_warning():
    assert check(Facts(), "notice", NOTICE_AT, scheduled_for=dt.date(2026, 4, 1)) == (
        "ero_no_warning",
        "15.1",
    )


def test_art_15_2_no_notice_within_the_warnings_15_days():
    facts = dataclasses.replace(warned(), warning_received_at=WARNED)
    ends = local(2026, 3, 18, 0, 0)  # 2 March + 15 days = 17 March, ended at midnight
    assert check(
        facts, "notice", ends - dt.timedelta(seconds=1), scheduled_for=dt.date(2026, 4, 1)
    ) == (
        "ero_warning_period",
        "15.2",
    )
    assert check(facts, "notice", ends, scheduled_for=dt.date(2026, 4, 1)) is None


def test_art_15_3_the_time_to_object_counts_from_receipt():
    late_receipt = dataclasses.replace(warned(), warning_received_at=local(2026, 3, 10, 9, 0))
    day = dt.date(2026, 4, 10)
    assert check(late_receipt, "notice", local(2026, 3, 25, 12), scheduled_for=day) == (
        "ero_objection_period",
        "15.3",
    )
    assert check(late_receipt, "notice", local(2026, 3, 26, 0), scheduled_for=day) is None


def test_art_15_3_no_notice_while_the_warning_is_not_shown_received():
    facts = dataclasses.replace(warned(), warning_received_at=None)
    assert check(facts, "notice", NOTICE_AT, scheduled_for=dt.date(2026, 4, 1)) == (
        "ero_warning_not_received",
        "15.3",
    )


def test_art_16_1_a_disconnection_needs_a_notice():
    assert check(warned(), "disconnected", local(2026, 4, 20)) == ("ero_no_notice", "16.1")
    assert check(Facts(), "disconnected", local(2026, 4, 20)) == ("ero_no_notice", "16.1")


def test_art_16_4_the_notice_names_a_date_at_least_three_days_on():
    assert check(warned(), "notice", NOTICE_AT, scheduled_for=dt.date(2026, 3, 21)) == (
        "ero_notice_date",
        "16.4",
    )
    assert check(warned(), "notice", NOTICE_AT, scheduled_for=dt.date(2026, 3, 22)) is None


def test_art_16_4_no_disconnection_within_three_days_of_receipt():
    facts = noticed(notice_received_at=local(2026, 3, 21, 16, 0))  # received late
    assert check(facts, "disconnected", local(2026, 3, 23, 10)) == ("ero_too_soon", "16.4")
    assert check(facts, "disconnected", local(2026, 3, 24, 0)) is None


def test_art_16_4_no_disconnection_before_the_date_in_the_notice():
    assert check(noticed(), "disconnected", local(2026, 3, 22, 23, 59)) == ("ero_too_soon", "16.4")
    assert check(noticed(), "disconnected", local(2026, 3, 23, 0, 0)) is None


def test_art_18_2_no_disconnection_while_the_notice_is_not_shown_received():
    facts = noticed(notice_received_at=None)
    assert check(facts, "disconnected", local(2026, 4, 30)) == ("ero_notice_not_received", "18.2")


def test_art_19_1_no_disconnection_while_an_objection_is_open():
    objection = ObjectionFact(filed_at=local(2026, 3, 22))
    facts = noticed(objections=(objection,))
    assert check(facts, "disconnected", local(2026, 3, 25)) == ("ero_objection_open", "19.1")
    assert rules.display_state(facts, local(2026, 3, 25)) == "suspended"
    # Filed after the disconnection: it did not forbid it.
    assert check(facts, "disconnected", local(2026, 3, 21, 23)) == ("ero_too_soon", "16.4")


def test_art_19_1_a_rejected_objection_resumes_three_days_after_the_decision_is_received():
    decided = ObjectionFact(
        filed_at=local(2026, 3, 22), decided_at=local(2026, 3, 24, 10), upheld=False
    )
    unseen = noticed(objections=(decided,))
    assert check(unseen, "disconnected", local(2026, 4, 20)) == (
        "ero_decision_not_received",
        "19.1",
    )
    seen = noticed(
        objections=(dataclasses.replace(decided, decision_received_at=local(2026, 3, 25, 8)),)
    )
    assert check(seen, "disconnected", local(2026, 3, 27, 23)) == ("ero_too_soon", "19.1")
    assert check(seen, "disconnected", local(2026, 3, 28, 0)) is None


def test_art_19_4_no_disconnection_while_a_bill_is_disputed():
    facts = noticed(objections=(ObjectionFact(filed_at=local(2026, 3, 22), disputes_bill=True),))
    assert check(facts, "disconnected", local(2026, 3, 25)) == ("ero_bill_disputed", "19.4")
    assert facts.suspensions(local(2026, 3, 25)) == ["disputed_bill"]


def test_art_20_1_a_medical_certificate_holds_the_disconnection_until_its_end():
    until = local(2026, 4, 2, 0, 0)
    facts = noticed(medical=Span(local(2026, 3, 22), until))
    assert check(facts, "disconnected", until - dt.timedelta(seconds=1)) == (
        "ero_medical_postponement",
        "20.1",
    )
    assert check(facts, "disconnected", until) is None


def test_art_25_1_no_disconnection_while_a_payment_agreement_is_in_force():
    facts = noticed(agreements=(Span(local(2026, 3, 22)),))
    assert check(facts, "disconnected", local(2026, 3, 25)) == ("ero_agreement_active", "25.1")
    broken = noticed(agreements=(Span(local(2026, 3, 22), local(2026, 3, 24)),))
    assert check(broken, "disconnected", local(2026, 3, 25)) is None


def test_art_6_2_no_disconnection_once_a_payment_covers_the_debt():
    facts = noticed(covered_at=local(2026, 3, 22, 12))
    assert check(facts, "disconnected", local(2026, 3, 25)) == ("ero_paid", "6.2")
    assert check(facts, "disconnected", local(2026, 3, 22, 11)) == ("ero_too_soon", "16.4")
    assert rules.display_state(facts, local(2026, 3, 25)) == "suspended"


def test_art_6_2_a_notice_is_refused_too_once_the_debt_is_paid():
    facts = warned(covered_at=local(2026, 3, 10))
    assert check(facts, "notice", NOTICE_AT, scheduled_for=dt.date(2026, 4, 1)) == (
        "ero_paid",
        "6.2",
    )


def test_a_reconnection_needs_a_disconnection():
    assert check(noticed(), "reconnected", local(2026, 3, 25)) == ("ero_not_disconnected", "25.1")


def test_events_in_the_future_or_before_the_last_are_refused():
    assert check(Facts(), "warning", NOW + dt.timedelta(hours=1))[0] == "ero_event_in_future"
    assert check(noticed(), "withdrawn", local(2026, 3, 1))[0] == "ero_before_last_event"


def test_a_second_warning_while_a_case_is_open_is_refused():
    assert check(warned(), "warning", local(2026, 3, 5))[0] == "ero_case_open"


@pytest.mark.parametrize(
    ("stage", "event", "after"),
    [
        (None, "warning", Stage.WARNED),
        (Stage.WARNED, "withdrawn", Stage.ENDED),
        (Stage.NOTICE_GIVEN, "disconnected", Stage.DISCONNECTED),
        (Stage.DISCONNECTED, "reconnection_requested", Stage.RECONNECTION_DUE),
        (Stage.DISCONNECTED, "objection", Stage.RECONNECTION_DUE),
        (Stage.RECONNECTION_DUE, "reconnected", Stage.RECONNECTED),
        (Stage.NOTICE_GIVEN, "objection_upheld", Stage.ENDED),
        (Stage.NOTICE_GIVEN, "agreement_broken", Stage.WARNED),
    ],
)
def test_transitions(stage, event, after):
    assert rules.TRANSITIONS[(event, stage)] == after


def test_a_closed_case_takes_a_new_warning():
    ended = rules.apply(warned(), "withdrawn", local(2026, 3, 5))
    assert rules.display_state(ended, NOW) == "none"
    assert check(ended, "warning", local(2026, 3, 6)) is None
    again = rules.apply(ended, "warning", local(2026, 3, 6))
    assert again.warning_received_at is None and again.notice_at is None


def test_a_new_warning_after_a_broken_agreement_drops_the_old_notice():
    facts = rules.apply(noticed(), "agreement_broken", local(2026, 4, 1))
    assert facts.stage == Stage.WARNED
    assert facts.notice_at is None and facts.warned_at == local(2026, 4, 1)
