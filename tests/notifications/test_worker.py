"""The delivery worker: claims, leases, backoff, giving up, batches, and the command."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from ekesco_api.adapters.base import PermanentDeliveryError
from ekesco_api.extensions import db
from ekesco_api.notifications.claims import (
    BACKOFF,
    GAVE_UP,
    LEASE,
    MAX_ATTEMPTS,
    claim_batch,
    retry_delay,
)
from ekesco_api.notifications.models import Message
from ekesco_api.notifications.outcomes import Outcomes, record_outcomes
from ekesco_api.notifications.senders import Senders
from ekesco_api.notifications.service import get_senders, queue_message
from ekesco_api.notifications.worker import deliver_due
from ekesco_api.types import utcnow

from .fakes import FlakySms


def queue(n: int = 1, **overrides: Any) -> list[Message]:
    messages = []
    for i in range(n):
        values: dict[str, Any] = {"channel": "sms", "to": f"+3834400000{i}", "kind": "test"}
        values.update(body="Kodi juaj: 123456", **overrides)
        messages.append(queue_message(db.session, **values))
    db.session.commit()
    return messages


def fresh(message: Message) -> Message:
    db.session.refresh(message)
    return message


def test_retry_delays_grow_then_stop() -> None:
    assert [retry_delay(n) for n in range(1, MAX_ATTEMPTS + 1)] == [*BACKOFF, None]
    assert BACKOFF[0] == dt.timedelta(seconds=30)
    assert list(BACKOFF) == sorted(BACKOFF)


@pytest.mark.usefixtures("process_dies_after_commit")
def test_worker_once_sends_what_a_dead_process_left_queued(runner: Any, outbox: Any) -> None:
    messages = queue(2)
    queue(1, channel="email", to="a@example.com", subject="Fatura")
    assert outbox.sms == [] and outbox.email == []
    assert {m.status for m in messages} == {"queued"}

    result = runner.invoke(args=["ekesco", "worker", "--once"])

    assert result.exit_code == 0, result.output
    assert result.output == "Messages: 3 sent, 0 to retry, 0 failed.\n"
    assert sorted(m["to"] for m in outbox.sms) == ["+38344000000", "+38344000001"]
    assert [m["to"] for m in outbox.email] == ["a@example.com"]
    assert {fresh(m).status for m in messages} == {"sent"}
    # Nothing is sent twice.
    again = runner.invoke(args=["ekesco", "worker", "--once"])
    assert again.output == "Messages: 0 sent, 0 to retry, 0 failed.\n"
    assert len(outbox.sms) == 2


def test_gateway_down_backs_off_then_gives_up(flaky_sms: FlakySms) -> None:
    senders = get_senders()
    (message,) = queue()  # attempt 1, right after the commit
    delays = []
    while message.status == "queued":
        last = message.next_attempt_at
        delays.append(last)
        at = last + dt.timedelta(seconds=1)
        report = deliver_due(db.session, senders=senders, clock=lambda at=at: at)
        assert report.total == 1
        message = fresh(message)

    assert message.status == "failed"
    assert message.attempts == MAX_ATTEMPTS == flaky_sms.calls
    assert message.last_error == "SMS gateway answered HTTP 503"
    assert message.sent_at is None
    gaps = [later - earlier for earlier, later in itertools.pairwise(delays)]
    # Each wait runs from the failed attempt, which was 1 s after the previous due time.
    assert gaps == [delay + dt.timedelta(seconds=1) for delay in BACKOFF[1:]]
    # Failed for good: later runs leave it alone.
    far = utcnow() + dt.timedelta(days=30)
    assert deliver_due(db.session, senders=senders, clock=lambda: far).total == 0


def test_a_final_refusal_fails_at_once(flaky_sms: FlakySms) -> None:
    flaky_sms.error = PermanentDeliveryError("SMS gateway answered HTTP 400")
    (message,) = queue()
    message = fresh(message)
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.last_error == "SMS gateway answered HTTP 400"


def test_an_unexpected_error_is_retried_and_recorded_without_its_text(
    flaky_sms: FlakySms,
) -> None:
    flaky_sms.error = RuntimeError("https://user:secret-token@gateway.example/ exploded")
    (message,) = queue()
    message = fresh(message)
    assert message.status == "queued"
    assert message.last_error == "RuntimeError"


def test_a_dead_workers_claim_is_taken_over_after_its_lease(
    senders: Senders, outbox: Any, process_dies_after_commit: None
) -> None:
    (message,) = queue()
    now = utcnow()
    token, claimed = claim_batch(db.session, now=now)  # then this worker dies
    assert [c.id for c in claimed] == [message.id]
    assert fresh(message).status == "sending"

    assert deliver_due(db.session, senders=senders, clock=lambda: now).total == 0
    after_lease = now + LEASE + dt.timedelta(seconds=1)
    assert deliver_due(db.session, senders=senders, clock=lambda: after_lease).sent == 1
    message = fresh(message)
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(outbox.sms) == 1

    # The first worker wakes up and reports a failure: its claim is gone, the row stays sent.
    outcome = {"m_id": message.id, "m_status": "failed", "m_next": now, "m_error": "late"}
    record_outcomes(db.session, token=token, outcomes=Outcomes(unsent=[outcome]))
    record_outcomes(db.session, token=token, outcomes=Outcomes(released=[message.id]))
    message = fresh(message)
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)


def test_a_last_attempt_that_died_with_its_worker_ends_failed(
    senders: Senders, process_dies_after_commit: None
) -> None:
    (message,) = queue()
    message.attempts = MAX_ATTEMPTS - 1
    db.session.commit()
    now = utcnow()
    claim_batch(db.session, now=now)  # the last attempt; the worker dies

    later = now + LEASE + dt.timedelta(seconds=1)
    assert deliver_due(db.session, senders=senders, clock=lambda: later).total == 0
    message = fresh(message)
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert message.last_error == "the worker stopped during the last attempt"


@pytest.fixture
def statements() -> Iterator[list[tuple[str, bool]]]:
    """Every statement sent to the database on the messages table: (SQL, executemany)."""
    seen: list[tuple[str, bool]] = []

    def record(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if "messages" in statement.lower():
            seen.append((" ".join(statement.split()), many))

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def claims(statements: list[tuple[str, bool]]) -> list[str]:
    return [sql for sql, _many in statements if "RETURNING" in sql.upper()]


def records(statements: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    return [(sql, many) for sql, many in statements if "RETURNING" not in sql.upper()]


@pytest.mark.parametrize("n", [3, 40])
def test_a_batch_costs_one_claim_and_one_record_however_large(
    senders: Senders,
    outbox: Any,
    statements: list[tuple[str, bool]],
    n: int,
    process_dies_after_commit: None,
) -> None:
    queue(n)
    statements.clear()
    report = deliver_due(db.session, senders=senders, batch_size=50)

    assert report.sent == n
    assert len(outbox.sms) == n
    # The batch's claim (which also gives up on abandoned rows), then the one that finds
    # nothing left; every outcome in a single set-based UPDATE, no executemany.
    claim, _empty = claims(statements)
    assert claim.startswith("WITH due AS") and ") UPDATE messages SET" in claim
    assert "attempts >=" in claim and "ORDER BY messages.next_attempt_at, messages.id" in claim
    if db.engine.dialect.name == "postgresql":
        assert "FOR UPDATE SKIP LOCKED" in claim
    ((record, many),) = records(statements)
    assert not many
    assert record.upper().startswith("UPDATE MESSAGES SET ") and " STATUS=" in record.upper()
    # The same statement blanks secret bodies: no statement of its own for them.
    assert "CASE WHEN MESSAGES.SECRET" in record.upper()
    assert len(statements) == 3


@pytest.mark.usefixtures("process_dies_after_commit")
def test_outcomes_are_written_one_statement_per_kind(
    flaky_sms: FlakySms, outbox: Any, statements: list[tuple[str, bool]]
) -> None:
    failing = queue(3)  # the SMS gateway is down
    sent = queue(2, channel="email", to="a@example.com", subject="Fatura")
    statements.clear()
    report = deliver_due(db.session, senders=get_senders())

    assert (report.sent, report.retrying) == (2, 3)
    assert len(claims(statements)) == 2
    # The sent ones set-based, then the retries (each its own time and error) in one executemany.
    assert [many for _sql, many in records(statements)] == [False, True]
    assert {(fresh(m).status, m.attempts, m.last_error) for m in sent} == {("sent", 1, None)}
    assert {(fresh(m).status, m.attempts) for m in failing} == {("queued", 1)}
    assert {m.last_error for m in failing} == {"SMS gateway answered HTTP 503"}


def test_each_channel_goes_to_its_file_in_one_write(
    senders: Senders, outbox: Any, process_dies_after_commit: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ekesco_api.adapters import base

    queue(30)
    queue(5, channel="email", to="a@example.com", subject="Fatura")
    queue(5, channel="push", to="tok-1", subject="Ndërprerje")
    queue(5, channel="push", to="tok-2")
    writes: list[int] = []
    real_write = os.write

    def counting_write(fd: int, data: bytes) -> int:
        writes.append(data.count(b"\n"))
        return real_write(fd, data)

    monkeypatch.setattr(base.os, "write", counting_write)
    assert deliver_due(db.session, senders=senders, batch_size=100).sent == 45
    assert sorted(writes) == [5, 10, 30]
    assert len(outbox.sms) == 30 and len(outbox.email) == 5


def test_a_short_write_marks_what_made_it_sent_and_retries_the_rest(
    senders: Senders, outbox: Any, process_dies_after_commit: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ekesco_api.adapters import base

    messages = queue(4)
    real_write = os.write

    def disk_full_after_two_lines(fd: int, data: bytes) -> int:
        lines = data.splitlines(keepends=True)
        return real_write(fd, b"".join(lines[:2]) + lines[2][:5])

    monkeypatch.setattr(base.os, "write", disk_full_after_two_lines)
    report = deliver_due(db.session, senders=senders)

    assert (report.sent, report.retrying) == (2, 2)
    statuses = [fresh(m).status for m in messages]
    assert statuses == ["sent", "sent", "queued", "queued"]
    assert fresh(messages[2]).last_error.startswith("short write to sms.jsonl")


def test_sends_stop_before_the_lease_runs_out_and_the_rest_goes_back(
    flaky_sms: FlakySms, outbox: Any, process_dies_after_commit: None
) -> None:
    flaky_sms.error = None  # a gateway that sends one by one, slowly
    messages = queue(3)
    now = utcnow()
    late = now + LEASE
    times = iter([now, now])  # the claim, the first send; then the lease is nearly over

    report = deliver_due(db.session, senders=get_senders(), clock=lambda: next(times, late))

    assert (report.sent, report.total) == (1, 1)
    assert len(outbox.sms) == 1
    first, *rest = (fresh(m) for m in messages)
    assert (first.status, first.attempts) == ("sent", 1)
    # Never tried: queued again at once, the attempt not counted, no claim left on them.
    assert {(m.status, m.attempts, m.claim_token) for m in rest} == {("queued", 0, None)}
    assert all(m.next_attempt_at == late for m in rest)
    assert deliver_due(db.session, senders=get_senders(), clock=lambda: late).sent == 2
    assert len(outbox.sms) == 3


def test_rows_given_up_on_do_not_hold_back_those_due_behind_them(
    senders: Senders, outbox: Any, process_dies_after_commit: None
) -> None:
    abandoned, waiting = queue(2)
    abandoned.attempts = MAX_ATTEMPTS - 1
    now = utcnow()
    waiting.next_attempt_at = now + LEASE + dt.timedelta(milliseconds=500)
    db.session.commit()
    claim_batch(db.session, now=now)  # the abandoned row's last attempt; the worker dies

    later = now + LEASE + dt.timedelta(seconds=1)
    report = deliver_due(db.session, senders=senders, batch_size=1, clock=lambda: later)

    assert (report.sent, report.failed) == (1, 0)
    assert (fresh(abandoned).status, fresh(abandoned).last_error) == ("failed", GAVE_UP)
    assert fresh(waiting).status == "sent"
    assert [m["to"] for m in outbox.sms] == [waiting.recipient]


@pytest.mark.usefixtures("process_dies_after_commit")
def test_the_command_takes_its_batch_size_from_the_option_or_the_config(
    app: Any, runner: Any, outbox: Any, statements: list[tuple[str, bool]]
) -> None:
    queue(5)
    app.config["WORKER_BATCH_SIZE"] = 2
    statements.clear()
    result = runner.invoke(args=["ekesco", "worker", "--once"])
    assert result.output == "Messages: 5 sent, 0 to retry, 0 failed.\n"
    assert len(claims(statements)) == 4  # 2 + 2 + 1, then nothing

    queue(5)
    statements.clear()
    result = runner.invoke(args=["ekesco", "worker", "--once", "--batch-size", "5"])
    assert result.output == "Messages: 5 sent, 0 to retry, 0 failed.\n"
    assert len(claims(statements)) == 2


def test_messages_go_in_batches_until_none_is_due(
    senders: Senders, outbox: Any, process_dies_after_commit: None
) -> None:
    queue(7)
    later = queue(1)[0]
    later.next_attempt_at = utcnow() + dt.timedelta(hours=1)
    db.session.commit()

    assert deliver_due(db.session, senders=senders, batch_size=3).sent == 7
    assert len(outbox.sms) == 7
    assert fresh(later).status == "queued"


def test_delivering_given_ids_leaves_the_rest(
    senders: Senders, outbox: Any, process_dies_after_commit: None
) -> None:
    first, second = queue(2)
    assert deliver_due(db.session, senders=senders, ids=[second.id]).sent == 1
    assert [m["to"] for m in outbox.sms] == [second.recipient]
    assert fresh(first).status == "queued"


def test_the_worker_runs_until_sigterm(runner: Any, outbox: Any) -> None:
    original = signal.getsignal(signal.SIGTERM)
    sent = threading.Event()

    def stop_when_listening() -> None:
        # Only signal once the command's handler is in place, or the signal would end pytest.
        while signal.getsignal(signal.SIGTERM) is original:
            sent.wait(0.01)
        os.kill(os.getpid(), signal.SIGTERM)
        sent.set()

    killer = threading.Thread(target=stop_when_listening)
    killer.start()
    result = runner.invoke(args=["ekesco", "worker", "--idle-sleep", "0.05"])
    killer.join(timeout=5)

    assert sent.is_set()
    assert result.exit_code == 0, result.output
    assert "Worker stopped. Messages: 0 sent, 0 to retry, 0 failed." in result.output
    assert signal.getsignal(signal.SIGTERM) is original


def test_the_worker_rolls_back_and_keeps_going_after_a_database_error(
    app: Any, senders: Senders, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ekesco_api.notifications import worker as worker_module

    calls = 0
    stop = threading.Event()

    def flaky_deliver(session: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database went away")
        stop.set()
        return worker_module.DeliveryReport(sent=2)

    monkeypatch.setattr(worker_module, "deliver_due", flaky_deliver)
    report = worker_module.run_worker(db.session, senders=senders, stop=stop, idle_sleep=0.01)
    assert calls == 2
    assert report.sent == 2


def test_a_batch_is_recorded_with_the_next_claim_and_still_when_that_claim_fails(
    senders: Senders,
    outbox: Any,
    statements: list[tuple[str, bool]],
    monkeypatch: pytest.MonkeyPatch,
    process_dies_after_commit: None,
) -> None:
    from ekesco_api.notifications import worker as worker_module

    messages = queue(3)
    real_claim = worker_module.claim_batch
    commits: list[int] = []

    def count(session: Any) -> None:
        commits.append(1)

    statements.clear()
    event.listen(db.session, "after_commit", count)
    assert deliver_due(db.session, senders=senders, batch_size=2).sent == 3
    event.remove(db.session, "after_commit", count)
    # Claim 2; record them and claim 1; record it and find nothing left: three commits.
    assert len(claims(statements)) == 3 and len(records(statements)) == 2
    assert len(commits) == 3

    more = queue(2)
    calls = 0

    def claim_that_breaks_the_second_time(session: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("database went away")
        return real_claim(session, **kwargs)

    monkeypatch.setattr(worker_module, "claim_batch", claim_that_breaks_the_second_time)
    with pytest.raises(RuntimeError):
        deliver_due(db.session, senders=senders)
    # Sent before the claim failed, and recorded all the same: nothing goes twice.
    assert {(fresh(m).status, m.claim_token) for m in messages + more} == {("sent", None)}
    assert len(outbox.sms) == 5


def test_only_a_claim_of_whatever_is_due_steers_the_postgresql_planner(
    senders: Senders, outbox: Any, process_dies_after_commit: None
) -> None:
    first, second = queue(2)
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("SET LOCAL"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        deliver_due(db.session, senders=senders, ids=[first.id])
        assert seen == []  # a few ids: the planner sorts them, cheaply
        deliver_due(db.session, senders=senders)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    postgresql = db.engine.dialect.name == "postgresql"
    assert seen == (["SET LOCAL enable_sort = off"] * 2 if postgresql else [])
    assert {fresh(first).status, fresh(second).status} == {"sent"}
