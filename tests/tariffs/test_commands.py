"""`ekesco import-tariffs FILE.csv`: upserts by (valid_from, category); bad rows are reported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ekesco_api.tariffs.csv_import import CSV_COLUMNS
from ekesco_api.tariffs.models import Tariff
from ekesco_api.tariffs.service import tariff_on

HEADER = ",".join(CSV_COLUMNS)
# A successor to the open-ended 2025 tariffs, and the 2025 rows closed the day before it.
CLOSE_2025 = (
    "2025-05-01,2026-03-31,household,800,0.09050,0.03880,0.15430,0.07280,2.32,8,"
    '"ERO Board, 16.04.2025",2025-04-16,Tariffs 2025,,'
)
NEW_2026 = (
    "2026-04-01,,household,800,0.10000,0.04200,0.17000,0.08000,2.50,8,"
    "V_2026_TEST,2026-03-30,Tariffs 2026 (test),https://example.org/decision,"
)
NEW_2026_BUSINESS = (
    "2026-04-01,,commercial,,0.13000,0.06500,,,5.00,8,V_2026_TEST,2026-03-30,Tariffs 2026,,"
)


def write(tmp_path: Path, *lines: str, name: str = "tariffs.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join((HEADER, *lines)) + "\n", encoding="utf-8")
    return path


def count(db_session: Session) -> int:
    return db_session.scalar(select(func.count()).select_from(Tariff)) or 0


def test_import_closes_the_open_tariff_and_adds_its_successor(
    runner, db_session: Session, tmp_path: Path
) -> None:
    before = count(db_session)
    # The successor comes first in the file: rows load by date, so the order does not matter.
    path = write(tmp_path, NEW_2026, NEW_2026_BUSINESS, CLOSE_2025)
    result = runner.invoke(args=["ekesco", "import-tariffs", str(path)])
    # The commercial 2025 tariff is still open-ended, so its successor overlaps and is refused.
    assert result.exit_code == 1, result.output
    assert "1 inserted, 1 updated, 0 unchanged, 1 rejected" in result.output
    assert "tariffs.csv:3: dates overlap the commercial tariff valid from 2025-05-01" in (
        result.output
    )
    assert count(db_session) == before + 1
    assert tariff_on(db_session, category="household", on=dt.date(2026, 3, 31)).price_high == (
        Decimal("0.09050")
    )
    new = tariff_on(db_session, category="household", on=dt.date(2026, 4, 1))
    assert (new.price_high, new.fixed_fee, new.decision_number) == (
        Decimal("0.10000"),
        Decimal("2.50"),
        "V_2026_TEST",
    )
    assert new.source_url == "https://example.org/decision"
    assert new.valid_to is None


def test_import_twice_changes_nothing_the_second_time(
    runner, db_session: Session, tmp_path: Path
) -> None:
    path = write(tmp_path, CLOSE_2025, NEW_2026)
    first = runner.invoke(args=["ekesco", "import-tariffs", str(path)])
    assert first.exit_code == 0, first.output
    assert "Tariffs: 1 inserted, 1 updated, 0 unchanged, 0 rejected." in first.output
    total = count(db_session)
    second = runner.invoke(args=["ekesco", "import-tariffs", str(path)])
    assert second.exit_code == 0, second.output
    assert "Tariffs: 0 inserted, 0 updated, 2 unchanged, 0 rejected." in second.output
    assert count(db_session) == total


def test_bad_rows_are_reported_with_their_line_and_skipped(
    runner, db_session: Session, tmp_path: Path
) -> None:
    before = count(db_session)
    path = write(
        tmp_path,
        NEW_2026.replace("2026-04-01", "2026-04-31"),  # line 2: no such day
        NEW_2026.replace("household", "industrial"),  # line 3
        NEW_2026.replace("0.10000", "0.1000001"),  # line 4: more places than stored
        NEW_2026.replace(",800,", ",,"),  # line 5: block prices without a block
        NEW_2026.replace("2.50", "-1"),  # line 6
        NEW_2026.replace(",8,", ",108,"),  # line 7
        NEW_2026.replace("2026-04-01,,", "2026-04-01,2026-03-01,"),  # line 8: ends before start
        NEW_2026.replace("V_2026_TEST", ""),  # line 9: no decision
        NEW_2026.replace("0.10000", "ten cents"),  # line 10
        NEW_2026.replace("2026-04-01", "2022-01-01"),  # line 11: overlaps the 2022 tariff
        name="bad.csv",
    )
    result = runner.invoke(args=["ekesco", "import-tariffs", str(path)])
    assert result.exit_code == 1
    for line, fragment in [
        (2, "valid_from: not a date"),
        (3, "category: one of household, commercial"),
        (4, "price_high: at most 5 decimal places"),
        (5, "block_kwh, price_high_above, price_low_above: give all three or none"),
        (6, "fixed_fee: must be a non-negative number"),
        (7, "vat_percent: at most 100"),
        (8, "valid_to: before valid_from"),
        (9, "decision_number: missing"),
        (10, "price_high: not a number"),
        (11, "dates overlap the household tariff valid from 2022-02-09"),
    ]:
        assert f"bad.csv:{line}: {fragment}" in result.output
    assert "0 inserted, 0 updated, 0 unchanged, 10 rejected" in result.output
    assert count(db_session) == before


def test_a_file_without_the_required_columns_is_refused(runner, tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("valid_from,category\n2026-04-01,household\n", encoding="utf-8")
    result = runner.invoke(args=["ekesco", "import-tariffs", str(path)])
    assert result.exit_code == 1
    assert "wrong.csv: missing columns: decision_date" in result.output


def test_a_file_that_is_not_utf8_is_refused(runner, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\n" + NEW_2026 + ",Vendim i ZRRE-së\n").encode("latin-1"))
    result = runner.invoke(args=["ekesco", "import-tariffs", str(path)])
    assert result.exit_code == 1
    assert "Error" in result.output
