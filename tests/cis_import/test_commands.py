"""`ekesco import` from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

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
