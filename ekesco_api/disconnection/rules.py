"""The disconnection case as a state machine: which events the ERO rule lets happen, and when.

Pure: a case is described by `Facts` (its stage and the instants that matter), an event is
checked against them (`check`) and, when allowed, moves the stage by `TRANSITIONS`. The same
code judges the CIS's events on import and the customer's and staff's actions in the app, so a
case cannot move against the rule by either door. Everything is judged at the event's instant:
an objection filed after a disconnection did not forbid it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ekesco_api.disconnection import deadlines as d

# How far ahead of our clock an event of the CIS may be stamped (clocks drift a little).
CLOCK_SKEW = dt.timedelta(minutes=5)


class Stage(StrEnum):
    """Where a case stands as stored; `ENDED` closed it before any disconnection."""

    WARNED = "warned"
    NOTICE_GIVEN = "notice_given"
    DISCONNECTED = "disconnected"
    RECONNECTION_DUE = "reconnection_due"
    RECONNECTED = "reconnected"
    ENDED = "ended"


OPEN_STAGES = frozenset(
    {Stage.WARNED, Stage.NOTICE_GIVEN, Stage.DISCONNECTED, Stage.RECONNECTION_DUE}
)
BEFORE_DISCONNECTION = frozenset({Stage.WARNED, Stage.NOTICE_GIVEN})
CUT_OFF = frozenset({Stage.DISCONNECTED, Stage.RECONNECTION_DUE})

# The states the customer sees (contract): the stage, or `suspended` while something stands.
STATES = (
    "none",
    "warned",
    "notice_given",
    "suspended",
    "disconnected",
    "reconnection_due",
    "reconnected",
)
# What suspends a case before disconnection, in the order `suspended_by` names the first.
SUSPENSION_ARTICLES = {
    "payment": "6.2",
    "payment_agreement": "25.1",
    "disputed_bill": "19.4",
    "objection": "19.1",
    "medical_certificate": "20.1",
}
SUSPENSIONS = tuple(SUSPENSION_ARTICLES)
SUSPENSION_CODES = {
    "payment": "ero_paid",
    "payment_agreement": "ero_agreement_active",
    "disputed_bill": "ero_bill_disputed",
    "objection": "ero_objection_open",
    "medical_certificate": "ero_medical_postponement",
}

# Events: the CIS's five, then the app's own.
CIS_EVENTS = ("warning", "notice", "disconnected", "reconnected", "withdrawn")
# None: no open case (never one, or the last one closed).
NO_CASE = None
TRANSITIONS: dict[tuple[str, Stage | None], Stage] = {
    ("warning", NO_CASE): Stage.WARNED,
    ("notice", Stage.WARNED): Stage.NOTICE_GIVEN,
    ("notice", Stage.NOTICE_GIVEN): Stage.NOTICE_GIVEN,  # a new date, by the same rules
    ("disconnected", Stage.NOTICE_GIVEN): Stage.DISCONNECTED,
    ("reconnected", Stage.DISCONNECTED): Stage.RECONNECTED,
    ("reconnected", Stage.RECONNECTION_DUE): Stage.RECONNECTED,
    ("withdrawn", Stage.WARNED): Stage.ENDED,
    ("withdrawn", Stage.NOTICE_GIVEN): Stage.ENDED,
    ("objection", Stage.WARNED): Stage.WARNED,
    ("objection", Stage.NOTICE_GIVEN): Stage.NOTICE_GIVEN,
    # Contested in writing after the fact: reconnection is due (Art. 25.2).
    ("objection", Stage.DISCONNECTED): Stage.RECONNECTION_DUE,
    ("objection", Stage.RECONNECTION_DUE): Stage.RECONNECTION_DUE,
    ("objection_upheld", Stage.WARNED): Stage.ENDED,
    ("objection_upheld", Stage.NOTICE_GIVEN): Stage.ENDED,
    ("objection_upheld", Stage.DISCONNECTED): Stage.RECONNECTION_DUE,
    ("objection_upheld", Stage.RECONNECTION_DUE): Stage.RECONNECTION_DUE,
    ("objection_rejected", Stage.WARNED): Stage.WARNED,
    ("objection_rejected", Stage.NOTICE_GIVEN): Stage.NOTICE_GIVEN,
    ("objection_rejected", Stage.DISCONNECTED): Stage.DISCONNECTED,
    ("objection_rejected", Stage.RECONNECTION_DUE): Stage.RECONNECTION_DUE,
    ("medical_certificate", Stage.WARNED): Stage.WARNED,
    ("medical_certificate", Stage.NOTICE_GIVEN): Stage.NOTICE_GIVEN,
    ("reconnection_requested", Stage.DISCONNECTED): Stage.RECONNECTION_DUE,
    # A missed installment starts a new warning (Art. 16.1a), on the open case or a new one.
    ("agreement_broken", NO_CASE): Stage.WARNED,
    ("agreement_broken", Stage.WARNED): Stage.WARNED,
    ("agreement_broken", Stage.NOTICE_GIVEN): Stage.WARNED,
}


@dataclass(frozen=True)
class Span:
    """From `start` until `end` (open when None)."""

    start: dt.datetime
    end: dt.datetime | None = None

    def holds(self, at: dt.datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


@dataclass(frozen=True)
class ObjectionFact:
    filed_at: dt.datetime
    disputes_bill: bool = False
    decided_at: dt.datetime | None = None
    upheld: bool | None = None
    decision_received_at: dt.datetime | None = None

    def open_at(self, at: dt.datetime) -> bool:
        return self.filed_at <= at and (self.decided_at is None or at < self.decided_at)


@dataclass(frozen=True)
class Facts:
    """What the rule weighs about one supply point's case."""

    stage: Stage | None = None
    last_event_at: dt.datetime | None = None
    warned_at: dt.datetime | None = None
    warning_received_at: dt.datetime | None = None
    notice_at: dt.datetime | None = None
    scheduled_for: dt.date | None = None
    notice_received_at: dt.datetime | None = None
    disconnected_at: dt.datetime | None = None
    objections: tuple[ObjectionFact, ...] = ()
    medical: Span | None = None
    agreements: tuple[Span, ...] = ()
    # When the payments made since the warning first covered the amount it named (Art. 6.2).
    covered_at: dt.datetime | None = None

    @property
    def open_stage(self) -> Stage | None:
        """The stage while the case is open; None once it closed (or before it began)."""
        return self.stage if self.stage in OPEN_STAGES else NO_CASE

    def suspensions(self, at: dt.datetime) -> list[str]:
        """What stands at `at`, in `SUSPENSIONS` order."""
        standing = set()
        if self.covered_at is not None and self.covered_at <= at:
            standing.add("payment")
        if any(span.holds(at) for span in self.agreements):
            standing.add("payment_agreement")
        for objection in self.objections:
            if objection.open_at(at):
                standing.add("disputed_bill" if objection.disputes_bill else "objection")
        if self.medical is not None and self.medical.holds(at):
            standing.add("medical_certificate")
        return [name for name in SUSPENSIONS if name in standing]

    def contested(self) -> bool:
        """Contested in writing (Art. 25.2): an objection that was not rejected."""
        return any(o.upheld is not False for o in self.objections)

    def earliest_disconnection(self) -> tuple[dt.datetime | None, str, str]:
        """The first instant a disconnection may happen, the article that sets it, and the
        refusal code when it cannot be known yet (a notice or a decision not shown received)."""
        if self.notice_received_at is None or self.scheduled_for is None:
            return None, "18.2", "ero_notice_not_received"
        bounds = [
            (d.start_of(self.scheduled_for), "16.4"),
            (d.disconnection_from_notice(self.notice_received_at), "16.4"),
        ]
        if self.medical is not None and self.medical.end is not None:
            bounds.append((self.medical.end, "20.1"))
        for objection in self.objections:
            if objection.upheld is False:
                if objection.decision_received_at is None:
                    return None, "19.1", "ero_decision_not_received"
                bounds.append((d.resume_after_decision(objection.decision_received_at), "19.1"))
        instant, article = max(bounds, key=lambda bound: bound[0])
        return instant, article, "ero_too_soon"


@dataclass(frozen=True)
class Refusal:
    """Why the rule forbids an event: a reason code, the article, what to show with it."""

    code: str
    article: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def display_state(facts: Facts, now: dt.datetime) -> str:
    """The contract's state of a case at `now`."""
    if facts.stage is None or facts.stage == Stage.ENDED:
        return "none"
    if facts.stage in BEFORE_DISCONNECTION and facts.suspensions(now):
        return "suspended"
    return facts.stage.value


def _when(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _order(facts: Facts, event: str, at: dt.datetime, now: dt.datetime) -> Refusal | None:
    if at > now + CLOCK_SKEW:
        return Refusal("ero_event_in_future", None, {"event": event, "at": _when(at)})
    if (event, facts.open_stage) not in TRANSITIONS:
        if event == "warning":
            return Refusal("ero_case_open", None, {"state": facts.open_stage})
        if event == "notice" and facts.open_stage is NO_CASE:
            return Refusal("ero_no_warning", "15.1", {})
        if event == "disconnected" and facts.open_stage in (NO_CASE, Stage.WARNED):
            return Refusal("ero_no_notice", "16.1", {})
        if event == "reconnected":
            return Refusal("ero_not_disconnected", "25.1", {})
        state = facts.open_stage.value if facts.open_stage else "none"
        return Refusal("ero_out_of_order", None, {"event": event, "state": state})
    if facts.open_stage is not NO_CASE and facts.last_event_at and at < facts.last_event_at:
        return Refusal("ero_before_last_event", None, {"last": _when(facts.last_event_at)})
    return None


def _suspended(facts: Facts, at: dt.datetime, *, allow: tuple[str, ...] = ()) -> Refusal | None:
    for name in facts.suspensions(at):
        if name not in allow:
            return Refusal(SUSPENSION_CODES[name], SUSPENSION_ARTICLES[name], {})
    return None


def _notice(facts: Facts, at: dt.datetime, scheduled_for: dt.date | None) -> Refusal | None:
    assert facts.warned_at is not None
    # A medical postponement moves the disconnection, not the notice (Art. 20.1).
    refusal = _suspended(facts, at, allow=("medical_certificate",))
    if refusal:
        return refusal
    allowed = d.pay_by(facts.warned_at)
    if at < allowed:  # Art. 16.1: only once the warning's deadline has passed
        return Refusal("ero_warning_period", "15.2", {"allowed_from": _when(allowed)})
    if facts.warning_received_at is None:
        return Refusal("ero_warning_not_received", "15.3", {})
    allowed = d.objection_by(facts.warning_received_at)
    if at < allowed:  # Art. 16.1: the time for a dispute taken into account
        return Refusal("ero_objection_period", "15.3", {"allowed_from": _when(allowed)})
    if scheduled_for is None:
        return Refusal("ero_notice_date", "16.4", {"allowed_from": "?"})
    earliest = d.earliest_date_in_notice(at)
    if scheduled_for < earliest:
        return Refusal("ero_notice_date", "16.4", {"allowed_from": earliest.isoformat()})
    return None


def _disconnection(facts: Facts, at: dt.datetime) -> Refusal | None:
    refusal = _suspended(facts, at)
    if refusal:
        return refusal
    earliest, article, code = facts.earliest_disconnection()
    if earliest is None:
        return Refusal(code, article, {})
    if at < earliest:
        return Refusal(code, article, {"allowed_from": _when(earliest)})
    return None


def check(
    facts: Facts,
    event: str,
    at: dt.datetime,
    *,
    now: dt.datetime,
    scheduled_for: dt.date | None = None,
) -> Refusal | None:
    """None when the rule lets `event` happen at `at`; otherwise why not."""
    refusal = _order(facts, event, at, now)
    if refusal:
        return refusal
    if event == "notice":
        return _notice(facts, at, scheduled_for)
    if event == "disconnected":
        return _disconnection(facts, at)
    return None


def apply(
    facts: Facts, event: str, at: dt.datetime, *, scheduled_for: dt.date | None = None
) -> Facts:
    """The facts after an allowed event (the caller checked it)."""
    stage = TRANSITIONS[(event, facts.open_stage)]
    changes: dict[str, Any] = {"stage": stage, "last_event_at": at}
    if event in ("warning", "agreement_broken"):
        fresh = Facts() if facts.open_stage is NO_CASE else facts
        # A new warning starts the procedure again: the old notice no longer counts.
        return dataclasses.replace(
            fresh,
            stage=stage,
            last_event_at=at,
            warned_at=at,
            warning_received_at=None,
            notice_at=None,
            scheduled_for=None,
            notice_received_at=None,
            covered_at=None,
        )
    if event == "notice":
        changes.update(notice_at=at, scheduled_for=scheduled_for, notice_received_at=None)
    elif event == "disconnected":
        changes["disconnected_at"] = at
    return dataclasses.replace(facts, **changes)
