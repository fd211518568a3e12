"""The CSV as the CIS writes it: encodings, quoting, blank lines, headers, unreadable files."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from ekesco_api.cis_import.service import import_directory
from tests.cis_import.conftest import CUSTOMERS, Export
from tests.cis_import.helpers import counts, rejections, supply_point


def test_lines_that_are_not_utf8_are_skipped_alone(db_session: Session, export: Export) -> None:
    header, *rows = CUSTOMERS.splitlines()
    latin1 = "DPR 0000008,Gëzim,Berisha,,Rr. B,Prishtinë,Prishtinë,Ulpiana,household".encode(
        "cp1252"
    )
    data = b"\r\n".join(
        [header.encode(), rows[0].encode(), latin1, *(r.encode() for r in rows[1:])]
    )
    export.write("customers.csv", data + b"\r\n")

    summary = import_directory(db_session, export.directory)

    assert rejections(summary, "customers.csv") == [(3, "not_utf8")]
    assert summary.report("customers.csv").errors[0].params == {"position": 14}
    assert summary.report("customers.csv").inserted == 3


def test_a_byte_order_mark_and_crlf_are_fine(db_session: Session, export: Export) -> None:
    export.write("customers.csv", b"\xef\xbb\xbf" + CUSTOMERS.replace("\n", "\r\n").encode())
    summary = import_directory(db_session, export.directory)
    assert counts(summary) == {"customers.csv": (3, 0, 0, 0)}


def test_quoted_fields_may_hold_commas_and_line_breaks(db_session: Session, export: Export) -> None:
    header, first, *rest = CUSTOMERS.splitlines()
    quoted = (
        'DPR 0000008,"Ana, Maria",Hoxha,,"Rr. B\nHyrja 2",Prishtinë,Prishtinë,Ulpiana,household'
    )
    bad = "DPR 0000009,Ana,Hoxha,,Rr. A,Prishtinë,Prishtinë,Ulpiana,castle"
    export.write("customers.csv", "\n".join([header, first, quoted, bad, *rest, ""]))

    summary = import_directory(db_session, export.directory)

    # The quoted record spans lines 3-4, so the bad row is on line 5.
    assert rejections(summary, "customers.csv") == [(5, "bad_choice")]
    ana = supply_point(db_session, "DPR0000008")
    assert (ana.first_name, ana.street) == ("Ana, Maria", "Rr. B\nHyrja 2")


def test_broken_quoting_is_reported(db_session: Session, export: Export) -> None:
    header, first, *rest = CUSTOMERS.splitlines()
    broken = 'DPR 0000008,"Ana"x,Hoxha,,Rr. B,Prishtinë,Prishtinë,Ulpiana,household'
    export.write("customers.csv", "\n".join([header, first, broken, *rest, ""]))
    summary = import_directory(db_session, export.directory)
    assert rejections(summary, "customers.csv") == [(3, "csv_syntax")]
    assert summary.report("customers.csv").inserted == 3


def test_blank_lines_are_ignored(db_session: Session, export: Export) -> None:
    export.write("customers.csv", CUSTOMERS.replace("\nDMI", "\n\n,,,,,,,,\nDMI") + "\n\n")
    summary = import_directory(db_session, export.directory)
    assert counts(summary) == {"customers.csv": (3, 0, 0, 0)}


def test_columns_may_come_in_any_order_and_extra_ones_are_ignored(
    db_session: Session, export: Export
) -> None:
    export.write_good("customers.csv")
    export.write(
        "meters.csv",
        "Tariff_Type,note,customer_code,meter_number,reading_mode\n"
        "dual,new,DPR 0000001,90000001,remote\n",
    )
    summary = import_directory(db_session, export.directory)
    assert counts(summary)["meters.csv"] == (1, 0, 0, 0)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "file_empty"),
        (b"\n\n", "file_empty"),
        (b"reference,amount,customer_code,amount,paid_at,channel\n", "duplicate_columns"),
    ],
)
def test_files_without_a_usable_header_fail(
    db_session: Session, export: Export, content: bytes, code: str
) -> None:
    export.write("payments.csv", content)
    summary = import_directory(db_session, export.directory)
    failure = summary.report("payments.csv").failure
    assert failure is not None and failure.code == code


def test_an_unreadable_file_fails(db_session: Session, export: Export) -> None:
    (export.directory / "bills.csv").mkdir()  # a directory where the file should be
    export.write_good("customers.csv")
    summary = import_directory(db_session, export.directory)
    failure = summary.report("bills.csv").failure
    assert failure is not None and failure.code == "file_unreadable"
    assert summary.report("customers.csv").inserted == 3
