"""The engine's promises: a file loads whole or not at all; a refused row is reported, skipped."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.bills.models import Bill
from ekesco_api.cis_import import engine
from ekesco_api.cis_import.engine import Loader, NaturalKey, Row, Values
from ekesco_api.cis_import.parsing import BadValue
from ekesco_api.cis_import.report import FileReport
from ekesco_api.cis_import.service import import_directory
from ekesco_api.meters.models import Meter
from tests.cis_import.conftest import BILLS, Export


def test_a_database_fault_mid_file_leaves_none_of_the_file(
    db_session: Session, export: Export, monkeypatch: pytest.MonkeyPatch
) -> None:
    export.write_good("customers.csv", "meters.csv")
    rows = "".join(
        f"2025{m:02d}0000{n},DPR 0000001,2025-{m:02d},2025-12-01,2025-12-20,"
        "1,0,0.10,1.74,0.15,0.00,1.99\n"
        for m in range(1, 10)
        for n in range(2)
    )
    export.write("bills.csv", BILLS.splitlines()[0] + "\n" + rows)
    monkeypatch.setattr(engine, "BATCH", 5)
    original = engine._Upserter._flush_inserts
    calls = {"n": 0}

    def failing_flush(self: engine._Upserter) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # the third batch: two have been written already
            raise IntegrityError("INSERT", {}, Exception("simulated constraint failure"))
        original(self)

    monkeypatch.setattr(engine._Upserter, "_flush_inserts", failing_flush)
    summary = import_directory(db_session, export.directory)

    report = summary.report("bills.csv")
    assert report.failure is not None and report.failure.code == "database_error"
    assert "simulated constraint failure" in report.failure.message()
    assert report.inserted == 0
    assert db_session.scalar(select(func.count()).select_from(Bill)) == 0
    assert db_session.scalar(select(func.count()).select_from(Meter)) == 3


def test_a_real_constraint_violation_is_reported_as_a_database_error(
    db_session: Session, export: Export, monkeypatch: pytest.MonkeyPatch
) -> None:
    export.write_good("customers.csv", "bills.csv")
    import_directory(db_session, export.directory)
    # As if another import had inserted the bills after this one read what was stored.
    real_stored_rows = engine._stored_rows
    monkeypatch.setattr(
        engine,
        "_stored_rows",
        lambda session, table, *args: (
            {} if table is Bill.__table__ else real_stored_rows(session, table, *args)
        ),
    )
    export.write(
        "bills.csv",
        BILLS + "202503000001,DPR 0000001,2025-03,2025-04-04,2025-04-24,"
        "1,1,0.10,1.74,0.15,0.00,1.99\n",
    )

    summary = import_directory(db_session, export.directory)

    failure = summary.report("bills.csv").failure
    assert failure is not None and failure.code == "database_error"
    assert summary.report("customers.csv").unchanged == 3
    assert db_session.scalar(select(func.count()).select_from(Bill)) == 3


def test_a_loader_judges_each_row_by_the_ones_before_and_refuses_it_by_file_and_line(
    db_session: Session, tmp_path: Path
) -> None:
    # A loader of this shape, with its state in its lookups, is what a file of events that pass
    # through a state machine needs: no case of its own in the engine.
    next_events = {"": ("notice",), "notice": ("disconnect",), "disconnect": ()}

    def judge(row: Row, state: dict[str, str]) -> Values:
        code, event = row["customer_code"], row["event"]
        allowed = next_events[state.get(code, "")]
        if event not in allowed:
            raise BadValue("bad_choice", field="event", choices="|".join(allowed), value=event)
        state[code] = event
        return {"event_id": row["event_id"], "customer_code": code, "event": event}

    written: list[tuple[Hashable, Values]] = []
    loader = Loader(
        "events.csv",
        ("event_id", "customer_code", "event"),
        key=NaturalKey(("event_id",), "event_id"),
        lookups=lambda _session: {},
        values=judge,
        write=lambda _session, _key, rows, _report: written.extend(rows),
    )
    path = tmp_path / "events.csv"
    path.write_text(
        "event_id,customer_code,event\n"
        "E1,DPR 0000001,notice\n"
        "E2,DPR 0000001,notice\n"
        "E3,DPR 0000001,disconnect\n"
        "E3,DPR 0000002,notice\n",
        encoding="utf-8",
    )
    report = FileReport(file="events.csv")

    engine.load_file(db_session, path, loader, report)

    assert [key for key, _values in written] == ["E1", "E3"]
    assert [(error.line, error.code) for error in report.errors] == [
        (3, "bad_choice"),
        (5, "duplicate_key"),
    ]
    assert str(report.errors[0]) == "events.csv:3: event must be one of disconnect: notice."
    assert report.errors[1].params == {"field": "event_id", "value": "E3", "first_line": 4}
    assert report.failure is None
