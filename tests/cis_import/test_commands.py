"""`ekesco import` and `ekesco demo-data` from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ekesco_api.bills.models import Bill
from ekesco_api.cis_import import commands
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.tariffs.models import Tariff
from tests.cis_import.conftest import METERS, Export


def test_import_prints_counts_and_bad_rows(
    runner: Any, db_session: Session, export: Export
) -> None:
    export.write_good()
    export.write("meters.csv", METERS + "90000009,DPR 0999999,remote,dual\n")

    result = runner.invoke(args=["ekesco", "import", str(export.directory)])

    assert result.exit_code == 0, result.output
    assert "customers.csv: 3 inserted, 0 updated, 0 unchanged, 0 rejected" in result.output
    assert "meters.csv: 3 inserted, 0 updated, 0 unchanged, 1 rejected" in result.output
    assert "meters.csv:5: Unknown customer code DPR 0999999 (not in the customers)." in (
        result.output
    )
    assert "1 problems, 0 files not loaded" in result.output


def test_import_reasons_in_albanian(runner: Any, db_session: Session, export: Export) -> None:
    export.write("meters.csv", METERS)
    result = runner.invoke(args=["ekesco", "import", "--language", "sq", str(export.directory)])
    assert "meters.csv:2: Shifër e panjohur e konsumatorit DPR 0000001" in result.output


def test_import_limits_the_rows_printed(runner: Any, db_session: Session, export: Export) -> None:
    export.write("meters.csv", METERS)
    result = runner.invoke(args=["ekesco", "import", "--show-errors", "1", str(export.directory)])
    assert "meters.csv:2:" in result.output
    assert "meters.csv:3:" not in result.output
    assert "... and 2 more" in result.output


def test_import_exits_1_when_a_file_cannot_be_read(
    runner: Any, db_session: Session, export: Export
) -> None:
    export.write_good("customers.csv")
    export.write("bills.csv", "bill_number;customer_code\n1;DPR 0000001\n")
    result = runner.invoke(args=["ekesco", "import", str(export.directory)])
    assert result.exit_code == 1
    assert (
        "bills.csv:1: The header lacks the columns: bill_number, customer_code, period"
        in result.output
    )
    assert "customers.csv: 3 inserted" in result.output


def test_import_of_a_missing_directory_is_a_usage_error(runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(args=["ekesco", "import", str(tmp_path / "nowhere")])
    assert result.exit_code == 2


def test_import_of_an_empty_directory_says_so(runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(args=["ekesco", "import", str(tmp_path)])
    assert result.exit_code == 0
    assert "No CIS files" in result.output


def test_demo_data_imports_without_a_single_error(
    runner: Any, db_session: Session, tmp_path: Path
) -> None:
    out = tmp_path / "demo"
    written = runner.invoke(
        args=["ekesco", "demo-data", "--out", str(out), "--supply-points", "30", "--seed", "5"]
    )
    assert written.exit_code == 0, written.output
    assert "DPR 0000001  Arben Krasniqi  1234567890" in written.output
    assert sorted(p.name for p in out.iterdir()) == [
        "areas.csv",
        "bills.csv",
        "customers.csv",
        "meters.csv",
        "payments.csv",
        "readings.csv",
    ]

    first = runner.invoke(args=["ekesco", "import", str(out)])
    assert first.exit_code == 0, first.output
    assert "0 rejected" in first.output and " 1 rejected" not in first.output
    assert "Import run" in first.output and ": 0 problems, 0 files not loaded" in first.output
    assert "customers.csv: 30 inserted" in first.output
    assert "bills.csv: 720 inserted" in first.output
    assert db_session.scalar(select(func.count()).select_from(SupplyPoint)) == 30
    assert db_session.scalar(select(func.count()).select_from(Bill)) == 720

    second = runner.invoke(args=["ekesco", "import", str(out)])
    assert second.exit_code == 0
    for line in second.output.splitlines():
        if ".csv:" in line:
            assert " 0 inserted, 0 updated," in line, line


def test_demo_data_without_tariffs_says_to_migrate(
    runner: Any, db_session: Session, tmp_path: Path
) -> None:
    db_session.execute(delete(Tariff))  # rolled back with the test
    out = tmp_path / "demo"
    result = runner.invoke(args=["ekesco", "demo-data", "--out", str(out), "--supply-points", "5"])
    assert result.exit_code == 1
    assert "No household tariff is in force on" in result.output
    assert "The tariffs table has 0 rows" in result.output
    assert "flask --app wsgi db upgrade" in result.output
    assert not out.exists()


def test_demo_data_on_an_unmigrated_database_says_to_migrate(
    runner: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class NoTables:
        def has_table(self, name: str) -> bool:
            return False

    monkeypatch.setattr(commands, "inspect", lambda _connection: NoTables())
    result = runner.invoke(args=["ekesco", "demo-data", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 1
    assert "no tariffs table" in result.output
    assert "run `flask --app wsgi db upgrade` first" in result.output


def test_demo_data_rejects_a_bad_period(runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(
        args=["ekesco", "demo-data", "--out", str(tmp_path), "--last-period", "2026-13"]
    )
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output
