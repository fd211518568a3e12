"""The engine's promises: a file loads whole or not at all; a refused row is reported, skipped;
hooks see what a file wrote."""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.bills.models import Bill
from ekesco_api.cis_import import engine, service, upsert
from ekesco_api.cis_import.engine import Loader, NaturalKey, Row, Values
from ekesco_api.cis_import.loaders import LOADERS
from ekesco_api.cis_import.parsing import BadValue
from ekesco_api.cis_import.report import FileReport
from ekesco_api.cis_import.service import import_directory
from ekesco_api.meters.models import Meter
from tests.cis_import.conftest import BILLS, READINGS, Export


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
    monkeypatch.setattr(upsert, "BATCH", 5)
    real_insert_new = upsert._insert_new

    def insert_then_fail(connection: Any, staged: upsert.Staged, *args: Any, **kwargs: Any) -> int:
        written = real_insert_new(connection, staged, *args, **kwargs)
        if staged.target.name != "bills":
            return written
        # The bills are written: the fault comes after them.
        raise IntegrityError("INSERT", {}, Exception("simulated constraint failure"))

    monkeypatch.setattr(upsert, "_insert_new", insert_then_fail)
    summary = import_directory(db_session, export.directory)

    report = summary.report("bills.csv")
    assert report.failure is not None and report.failure.code == "database_error"
    assert "simulated constraint failure" in report.failure.message()
    assert report.inserted == 0
    assert db_session.scalar(select(func.count()).select_from(Bill)) == 0
    assert db_session.scalar(select(func.count()).select_from(Meter)) == 3
    # The staging tables went with the file's transaction: the next file stages afresh.
    export.write("bills.csv", BILLS)
    monkeypatch.setattr(upsert, "_insert_new", real_insert_new)
    assert import_directory(db_session, export.directory).report("bills.csv").inserted == 3


def test_a_real_constraint_violation_is_reported_as_a_database_error(
    db_session: Session, export: Export, monkeypatch: pytest.MonkeyPatch
) -> None:
    export.write_good("customers.csv", "bills.csv")
    import_directory(db_session, export.directory)
    # As if the supply point had gone after the file read which ones exist.
    bills = next(loader for loader in LOADERS if loader.file == "bills.csv")
    gone = dataclasses.replace(bills, lookups=lambda _session: {"DPR0000001": 999_999})
    monkeypatch.setattr(service, "LOADERS", tuple(gone if x is bills else x for x in LOADERS))
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


def test_keys_met_twice_in_a_staged_file_are_refused_by_line_as_the_engine_would(
    db_session: Session, export: Export
) -> None:
    export.write_good("customers.csv", "meters.csv")
    header, *rows = READINGS.splitlines()
    # Line 5 repeats line 2's read, written in another zone; line 6 repeats line 4's.
    export.write(
        "readings.csv",
        "\n".join([header, *rows, "90000001,2025-02-28T23:00:00Z,1.000,1.000", rows[2].upper()])
        + "\n",
    )

    report = import_directory(db_session, export.directory).report("readings.csv")

    assert [(e.line, e.code, e.params) for e in report.errors] == [
        (
            5,
            "duplicate_key",
            {"field": "reading", "value": "90000001 2025-02-28T23:00:00+00:00", "first_line": 2},
        ),
        (
            6,
            "duplicate_key",
            {"field": "reading", "value": "90000007 2025-06-30T22:00:00+00:00", "first_line": 4},
        ),
    ]
    assert (report.inserted, report.updated, report.unchanged) == (3, 0, 0)


def test_an_after_hook_finds_what_the_file_inserted_and_updated(
    db_session: Session, export: Export, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a set-based hook (say, queueing "new bill" notices) joins: ids, and whether new.
    seen: list[list[tuple[str, bool]]] = []

    def after(session: Session, staged: upsert.Staged) -> None:
        changed, bills = staged.changed, staged.target
        rows = session.connection().execute(
            select(bills.c.bill_number, changed.c.inserted)
            .join_from(changed, bills, bills.c.id == changed.c.id)
            .order_by(bills.c.bill_number)
        )
        seen.append([(number, bool(inserted)) for number, inserted in rows])

    bills = next(loader for loader in LOADERS if loader.file == "bills.csv")
    hooked = dataclasses.replace(bills, write=dataclasses.replace(bills.write, after=after))
    monkeypatch.setattr(service, "LOADERS", tuple(hooked if x is bills else x for x in LOADERS))
    export.write_good("customers.csv", "bills.csv")

    import_directory(db_session, export.directory)
    import_directory(db_session, export.directory)
    export.write("bills.csv", BILLS.replace("2025-02-24", "2025-02-25"))
    import_directory(db_session, export.directory)

    assert seen == [
        [("202501000001", True), ("202501000003", True), ("202502000001", True)],
        [],
        [("202501000001", False)],
    ]


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
