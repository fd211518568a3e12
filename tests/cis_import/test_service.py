"""The CIS import: exact values, idempotence, every kind of bad row, the area tree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.areas.models import Area
from ekesco_api.bills.models import Bill
from ekesco_api.cis_import import service
from ekesco_api.cis_import.models import ImportRun
from ekesco_api.cis_import.service import ImportSummary, import_directory
from ekesco_api.meters.models import Meter, Reading, SupplyPoint
from ekesco_api.payments.models import CisPayment
from tests.cis_import.conftest import BILLS, CUSTOMERS, METERS, PAYMENTS, READINGS, Export
from tests.factories import make_supply_point


def _counts(summary: ImportSummary) -> dict[str, tuple[int, int, int, int]]:
    return {r.file: (r.inserted, r.updated, r.unchanged, r.rejected) for r in summary.files}


def _errors(summary: ImportSummary, file: str) -> list[tuple[int, str]]:
    return [(error.line, error.code) for error in summary.report(file).errors]


def _supply_point(session: Session, code_key: str) -> SupplyPoint:
    return session.scalars(select(SupplyPoint).where(SupplyPoint.code_key == code_key)).one()


# --- good data -------------------------------------------------------------------------------


def test_good_export_loads_every_file(db_session: Session, export: Export) -> None:
    summary = import_directory(db_session, export.write_good().directory)

    assert summary.error_count == 0 and not summary.failed_files
    assert _counts(summary) == {
        "areas.csv": (5, 0, 0, 0),
        "customers.csv": (3, 0, 0, 0),
        "meters.csv": (3, 0, 0, 0),
        "bills.csv": (3, 0, 0, 0),
        "payments.csv": (3, 0, 0, 0),
        "readings.csv": (3, 0, 0, 0),
    }
    assert [r.file for r in summary.files] == [
        "areas.csv",
        "customers.csv",
        "meters.csv",
        "bills.csv",
        "payments.csv",
        "readings.csv",
    ]


def test_values_are_stored_exactly(db_session: Session, export: Export) -> None:
    import_directory(db_session, export.write_good().directory)

    arben = _supply_point(db_session, "DPR0000001")
    assert (arben.customer_code, arben.first_name, arben.last_name) == (
        "DPR 0000001",
        "Arben",
        "Krasniqi",
    )
    assert arben.personal_number == "1234567890"
    assert arben.street == "Rr. Nëna Terezë nr. 10"
    company = _supply_point(db_session, "DPZ0000007")
    assert company.personal_number is None
    assert company.category == "commercial"
    assert company.neighbourhood == ""

    meters = {m.meter_number: m for m in db_session.scalars(select(Meter))}
    assert meters["90000003"].supply_point_id == _supply_point(db_session, "DMI0000003").id
    assert (meters["90000003"].reading_mode, meters["90000003"].tariff_type) == (
        "manual",
        "single",
    )
    assert meters["90000007"].reading_mode == "remote"  # "Remote" in the file

    bill = db_session.scalars(select(Bill).where(Bill.bill_number == "202502000001")).one()
    assert bill.supply_point_id == arben.id
    assert bill.period == "2025-02"
    assert (bill.issued_on, bill.due_on) == (dt.date(2025, 3, 4), dt.date(2025, 3, 24))
    assert (bill.kwh_high, bill.kwh_low) == (Decimal("520.50"), Decimal("300.25"))
    assert bill.energy_amount == Decimal("55.10")
    assert str(bill.energy_amount) == "55.10"
    assert bill.previous_balance == Decimal("77.68")
    assert str(bill.total) == "139.07"
    credit = db_session.scalars(select(Bill).where(Bill.bill_number == "202501000003")).one()
    assert str(credit.previous_balance) == "-5.00"

    payments = {p.reference: p for p in db_session.scalars(select(CisPayment))}
    assert str(payments["AK2503060000003"].amount) == "0.01"
    # Offsets become UTC: winter +01:00, summer +02:00, and Z as it is.
    assert payments["BK2502100000001"].paid_at == dt.datetime(2025, 2, 10, 8, 30, tzinfo=dt.UTC)
    assert payments["PK2503050000002"].paid_at == dt.datetime(2025, 7, 5, 12, 0, tzinfo=dt.UTC)
    assert payments["AK2503060000003"].paid_at == dt.datetime(2025, 3, 6, 8, 0, tzinfo=dt.UTC)
    assert payments["PK2503050000002"].channel == "post"

    readings = db_session.scalars(select(Reading).order_by(Reading.read_at)).all()
    assert [r.read_at for r in readings[:2]] == [
        dt.datetime(2025, 2, 28, 23, 0, tzinfo=dt.UTC),
        dt.datetime(2025, 3, 1, 23, 0, tzinfo=dt.UTC),
    ]
    assert str(readings[0].kwh_high_total) == "12345.678"
    assert readings[0].kwh_low_total == Decimal("6789.001")
    assert readings[2].kwh_low_total == Decimal("250.500")


def test_a_second_run_changes_nothing(db_session: Session, export: Export) -> None:
    export.write_good()
    import_directory(db_session, export.directory)
    before = _snapshot(db_session)

    again = import_directory(db_session, export.directory)

    assert _counts(again) == {
        "areas.csv": (0, 0, 5, 0),
        "customers.csv": (0, 0, 3, 0),
        "meters.csv": (0, 0, 3, 0),
        "bills.csv": (0, 0, 3, 0),
        "payments.csv": (0, 0, 3, 0),
        "readings.csv": (0, 0, 3, 0),
    }
    assert _snapshot(db_session) == before


def _snapshot(session: Session) -> list[list[tuple[object, ...]]]:
    tables = (SupplyPoint, Meter, Bill, CisPayment, Reading, Area)
    return [
        [tuple(row) for row in session.execute(select(m.__table__).order_by(m.id))]  # type: ignore[attr-defined]
        for m in tables
    ]


def test_changed_rows_are_updated_and_codes_match_in_any_spelling(
    db_session: Session, export: Export
) -> None:
    export.write_good()
    import_directory(db_session, export.directory)
    arben_id = _supply_point(db_session, "DPR0000001").id

    # The CIS now writes the code without its space and has a new surname and a new total.
    export.write(
        "customers.csv", CUSTOMERS.replace("DPR 0000001,Arben,Krasniqi", "DPR0000001,Arben,Gashi")
    )
    export.write("bills.csv", BILLS.replace("4.55,77.68,139.07", "4.56,77.68,139.08"))
    export.write("payments.csv", PAYMENTS.replace("10.00,2025-07-05", "12.50,2025-07-05"))
    summary = import_directory(db_session, export.directory)

    assert _counts(summary)["customers.csv"] == (0, 1, 2, 0)
    assert _counts(summary)["bills.csv"] == (0, 1, 2, 0)
    assert _counts(summary)["payments.csv"] == (0, 1, 2, 0)
    db_session.expire_all()
    arben = _supply_point(db_session, "DPR0000001")
    assert arben.id == arben_id
    assert (arben.customer_code, arben.last_name) == ("DPR0000001", "Gashi")
    bill = db_session.scalars(select(Bill).where(Bill.bill_number == "202502000001")).one()
    assert bill.total == Decimal("139.08")


def test_a_payment_counts_on_its_day_in_kosovo(db_session: Session, export: Export) -> None:
    # Just after local midnight is the next day there, whatever the UTC date says; a payment
    # the CIS re-dates moves to its new day.
    late = (
        "reference,customer_code,amount,paid_at,channel\n"
        "W1,DPR 0000001,1.00,2025-03-04T22:59:59Z,bank\n"  # 23:59:59 on 4 March (UTC+1)
        "W2,DPR 0000001,1.00,2025-03-04T23:00:00Z,bank\n"  # 00:00 on 5 March
        "S1,DPR 0000001,1.00,2025-07-04T22:30:00Z,bank\n"  # 00:30 on 5 July (UTC+2)
    )
    export.write_good()
    export.write("payments.csv", late)
    import_directory(db_session, export.directory)

    def days() -> dict[str, dt.date]:
        rows = db_session.execute(select(CisPayment.reference, CisPayment.paid_on))
        return {reference: day for reference, day in rows}

    assert days() == {
        "W1": dt.date(2025, 3, 4),
        "W2": dt.date(2025, 3, 5),
        "S1": dt.date(2025, 7, 5),
    }
    export.write("payments.csv", late.replace("2025-03-04T22:59:59Z", "2025-03-05T06:00:00Z"))
    assert _counts(import_directory(db_session, export.directory))["payments.csv"] == (0, 1, 2, 0)
    assert days()["W1"] == dt.date(2025, 3, 5)


def test_a_payment_moved_to_another_code_follows_it(db_session: Session, export: Export) -> None:
    export.write_good()
    import_directory(db_session, export.directory)
    # A payment made to a wrong customer code, corrected in the CIS on request.
    export.write(
        "payments.csv",
        PAYMENTS.replace("PK2503050000002,DMI 0000003", "PK2503050000002,DPR 0000001"),
    )
    import_directory(db_session, export.directory)
    payment = db_session.scalars(
        select(CisPayment).where(CisPayment.reference == "PK2503050000002")
    ).one()
    assert payment.supply_point_id == _supply_point(db_session, "DPR0000001").id


def test_existing_supply_points_count_as_known_codes(db_session: Session, export: Export) -> None:
    make_supply_point(db_session, customer_code="DFE 0004242")
    export.write(
        "meters.csv",
        "meter_number,customer_code,reading_mode,tariff_type\n123,dfe 0004242,manual,dual\n",
    )
    summary = import_directory(db_session, export.directory)
    assert _counts(summary) == {"meters.csv": (1, 0, 0, 0)}


def test_import_run_records_the_summary(db_session: Session, export: Export) -> None:
    export.write_good("customers.csv", "meters.csv")
    export.write("bills.csv", BILLS + "bad,DPR 0000001\n")
    summary = import_directory(db_session, export.directory)

    run = db_session.get(ImportRun, summary.run_id)
    assert run is not None and run.finished_at is not None
    assert run.directory == str(export.directory)
    assert run.error_count == 1
    bills = run.summary["files"]["bills.csv"]  # type: ignore[index]
    assert bills["inserted"] == 3 and bills["rejected"] == 1
    assert bills["errors"][0]["line"] == 5
    assert bills["errors"][0]["code"] == "column_count"
    assert bills["errors"][0]["message"] == "Expected 12 fields, found 2."
    assert service.last_synced_at(db_session) == run.finished_at


def test_an_empty_directory_imports_nothing(db_session: Session, export: Export) -> None:
    summary = import_directory(db_session, export.directory)
    assert summary.files == [] and summary.error_count == 0


# --- bad rows --------------------------------------------------------------------------------

BAD_ROWS = [
    # file, a bad row, reason code
    (
        "customers.csv",
        "DPR 0000009,Ana,Hoxha,123,Rr. A,Prishtinë,Prishtinë,Ulpiana",
        "column_count",
    ),
    (
        "customers.csv",
        "DPR 0000009,Ana,Hoxha,123,Rr. A,Prishtinë,Prishtinë,Ulpiana,household,x",
        "column_count",
    ),
    ("customers.csv", ",Ana,Hoxha,,Rr. A,Prishtinë,Prishtinë,Ulpiana,household", "required"),
    (
        "customers.csv",
        "DPR 0000009,,Hoxha,,Rr. A,Prishtinë,Prishtinë,Ulpiana,household",
        "required",
    ),
    (
        "customers.csv",
        "DPR 0000009,Ana,Hoxha,123456789,Rr. A,Prishtinë,Prishtinë,Ulpiana,household",
        "bad_personal_number",
    ),
    (
        "customers.csv",
        "DPR 0000009,Ana,Hoxha,12345678901,Rr. A,Prishtinë,Prishtinë,Ulpiana,household",
        "bad_personal_number",
    ),
    (
        "customers.csv",
        "DPR 0000009,Ana,Hoxha,,Rr. A,Prishtinë,Prishtinë,Ulpiana,industrial",
        "bad_choice",
    ),
    ("customers.csv", "DPR 0000009,Ana,Hoxha,,Rr. A,Prishtinë,,Ulpiana,household", "required"),
    (
        "customers.csv",
        "DPR 0000009," + "A" * 121 + ",Hoxha,,Rr. A,Prishtinë,Prishtinë,,household",
        "too_long",
    ),
    (
        "customers.csv",
        "dpr-0000001,Ana,Hoxha,,Rr. A,Prishtinë,Prishtinë,Ulpiana,household",
        "duplicate_key",
    ),
    ("meters.csv", "90000009,DPR 0999999,remote,dual", "unknown_customer_code"),
    ("meters.csv", "90000009,DPR 0000001,satellite,dual", "bad_choice"),
    ("meters.csv", "90000009,DPR 0000001,remote,triple", "bad_choice"),
    ("meters.csv", "9000-0001,DPR 0000001,remote,dual", "duplicate_key"),
    (
        "bills.csv",
        "202503000009,DPR 0999999,2025-03,2025-04-04,2025-04-24,1,1,0.10,1.74,0.15,0.00,1.99",
        "unknown_customer_code",
    ),
    (
        "bills.csv",
        "202503000009,DPR 0000001,2025-13,2025-04-04,2025-04-24,1,1,0.10,1.74,0.15,0.00,1.99",
        "bad_period",
    ),
    (
        "bills.csv",
        "202503000009,DPR 0000001,2025-3,2025-04-04,2025-04-24,1,1,0.10,1.74,0.15,0.00,1.99",
        "bad_period",
    ),
    (
        "bills.csv",
        "202503000009,DPR 0000001,2025-03,2025-02-30,2025-04-24,1,1,0.10,1.74,0.15,0.00,1.99",
        "bad_date",
    ),
    (
        "bills.csv",
        "202503000009,DPR 0000001,2025-03,04/04/2025,2025-04-24,1,1,0.10,1.74,0.15,0.00,1.99",
        "bad_date",
    ),
    (
        "bills.csv",
        "202503000009,DPR 0000001,2025-03,2025-04-04,2025-04-01,1,1,0.10,1.74,0.15,0.00,1.99",
        "due_before_issue",
    ),
    (
        "bills.csv",
        '202503000009,DPR 0000001,2025-03,2025-04-04,2025-04-24,1,1,"0,10",1.74,0.15,0.00,1.99',
        "bad_decimal",
    ),
    (
        "bills.csv",
        "202503000009,DPR 0000001,2025-03,2025-04-04,2025-04-24,1,1,1e-1,1.74,0.15,0.00,1.99",
        "bad_decimal",
    ),
    (
        "bills.csv",
        "202503000009,DPR 0000001,2025-03,2025-04-04,2025-04-24,1,1,NaN,1.74,0.15,0.00,1.99",
        "bad_decimal",
    ),
    (
        "bills.csv",
        "202503000009,DPR 0000001,2025-03,2025-04-04,2025-04-24,1,1,0.100,1.74,0.15,0.00,1.99",
        "too_many_places",
    ),
    (
        "bills.csv",
        "202503000009,DPR 0000001,2025-03,2025-04-04,2025-04-24,1.001,1,0.10,1.74,0.15,0.00,1.99",
        "too_many_places",
    ),
    (
        "bills.csv",
        "202503000009,DPR 0000001,2025-03,2025-04-04,2025-04-24,-1,1,0.10,1.74,0.15,0.00,1.99",
        "out_of_range",
    ),
    (
        "bills.csv",
        "202503000009,DPR 0000001,2025-03,2025-04-04,2025-04-24,1,1,-0.10,1.74,0.15,0.00,1.79",
        "out_of_range",
    ),
    (
        "bills.csv",
        "202503000009,DPR 0000001,2025-03,2025-04-04,2025-04-24,1,1,"
        "12345678901.00,1.74,0.15,0.00,1.99",
        "out_of_range",
    ),
    (
        "bills.csv",
        "202503000009,DPR 0000001,2025-03,2025-04-04,2025-04-24,1,1,0.10,1.74,0.15,0.00,2.00",
        "bill_does_not_add_up",
    ),
    (
        "bills.csv",
        "202501000001,DPR 0000001,2025-03,2025-04-04,2025-04-24,1,1,0.10,1.74,0.15,0.00,1.99",
        "duplicate_key",
    ),
    (
        "payments.csv",
        "BK9,DPR 0999999,5.00,2025-02-10T09:30:00+01:00,bank",
        "unknown_customer_code",
    ),
    ("payments.csv", "BK9,DPR 0000001,5.00,2025-02-10T09:30:00,bank", "bad_timestamp"),
    ("payments.csv", "BK9,DPR 0000001,5.00,2025-02-10,bank", "bad_timestamp"),
    ("payments.csv", "BK9,DPR 0000001,5.00,10.02.2025 09:30,bank", "bad_timestamp"),
    ("payments.csv", "BK9,DPR 0000001,5.001,2025-02-10T09:30:00Z,bank", "too_many_places"),
    ("payments.csv", "BK9,DPR 0000001,0.00,2025-02-10T09:30:00Z,bank", "out_of_range"),
    ("payments.csv", "BK9,DPR 0000001,5.00,2025-02-10T09:30:00Z,", "required"),
    ("payments.csv", "BK2502100000001,DPR 0000001,5.00,2025-02-10T09:30:00Z,bank", "duplicate_key"),
    ("readings.csv", "99999999,2025-03-03T00:00:00+01:00,1.000,1.000", "unknown_meter_number"),
    ("readings.csv", "90000001,2025-03-03T00:00:00+01:00,1.0001,1.000", "too_many_places"),
    ("readings.csv", "90000001,2025-03-03,1.000,1.000", "bad_timestamp"),
    # The same instant written in another zone is the same read.
    ("readings.csv", "90000001,2025-02-28T23:00:00Z,1.000,1.000", "duplicate_key"),
    ("areas.csv", "Prishtinë,,Ulpiana,Ulpijana,", "neighbourhood_without_locality"),
    ("areas.csv", ",Prishtinë,,,", "required"),
    ("areas.csv", "PRISHTINE,,,Priština,Pristina", "duplicate_key"),
]


@pytest.mark.parametrize(("file", "bad_row", "code"), BAD_ROWS)
def test_a_bad_row_is_reported_and_the_rows_around_it_load(
    db_session: Session, export: Export, file: str, bad_row: str, code: str
) -> None:
    export.write_good()
    header, first, *rest = _lines(file)
    # The bad row sits between good ones: line 3 of the file (the header is line 1).
    export.write(file, "\n".join([header, first, bad_row, *rest]) + "\n")

    summary = import_directory(db_session, export.directory)

    assert _errors(summary, file) == [(3, code)]
    report = summary.report(file)
    assert report.inserted == len(rest) + 1
    assert report.failure is None
    message = report.errors[0].message()
    assert message and "%(" not in message
    assert str(report.errors[0]).startswith(f"{file}:3: ")
    other_files = [r for r in summary.files if r.file != file]
    assert all(r.rejected == 0 and r.failure is None for r in other_files)


def _lines(file: str) -> list[str]:
    from tests.cis_import.conftest import GOOD

    return GOOD[file].splitlines()


def test_rejected_customers_make_their_meters_unknown(db_session: Session, export: Export) -> None:
    export.write_good("meters.csv")
    export.write("customers.csv", CUSTOMERS.replace(",household\nDMI", ",flat\nDMI"))
    summary = import_directory(db_session, export.directory)
    assert _errors(summary, "customers.csv") == [(2, "bad_choice")]
    assert _errors(summary, "meters.csv") == [(2, "unknown_customer_code")]
    assert summary.report("meters.csv").inserted == 2


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

    assert _errors(summary, "customers.csv") == [(3, "not_utf8")]
    assert summary.report("customers.csv").errors[0].params == {"position": 14}
    assert summary.report("customers.csv").inserted == 3


def test_a_byte_order_mark_and_crlf_are_fine(db_session: Session, export: Export) -> None:
    export.write("customers.csv", b"\xef\xbb\xbf" + CUSTOMERS.replace("\n", "\r\n").encode())
    summary = import_directory(db_session, export.directory)
    assert _counts(summary) == {"customers.csv": (3, 0, 0, 0)}


def test_quoted_fields_may_hold_commas_and_line_breaks(db_session: Session, export: Export) -> None:
    header, first, *rest = CUSTOMERS.splitlines()
    quoted = (
        'DPR 0000008,"Ana, Maria",Hoxha,,"Rr. B\nHyrja 2",Prishtinë,Prishtinë,Ulpiana,household'
    )
    bad = "DPR 0000009,Ana,Hoxha,,Rr. A,Prishtinë,Prishtinë,Ulpiana,castle"
    export.write("customers.csv", "\n".join([header, first, quoted, bad, *rest, ""]))

    summary = import_directory(db_session, export.directory)

    # The quoted record spans lines 3-4, so the bad row is on line 5.
    assert _errors(summary, "customers.csv") == [(5, "bad_choice")]
    ana = _supply_point(db_session, "DPR0000008")
    assert (ana.first_name, ana.street) == ("Ana, Maria", "Rr. B\nHyrja 2")


def test_broken_quoting_is_reported(db_session: Session, export: Export) -> None:
    header, first, *rest = CUSTOMERS.splitlines()
    broken = 'DPR 0000008,"Ana"x,Hoxha,,Rr. B,Prishtinë,Prishtinë,Ulpiana,household'
    export.write("customers.csv", "\n".join([header, first, broken, *rest, ""]))
    summary = import_directory(db_session, export.directory)
    assert _errors(summary, "customers.csv") == [(3, "csv_syntax")]
    assert summary.report("customers.csv").inserted == 3


def test_blank_lines_are_ignored(db_session: Session, export: Export) -> None:
    export.write("customers.csv", CUSTOMERS.replace("\nDMI", "\n\n,,,,,,,,\nDMI") + "\n\n")
    summary = import_directory(db_session, export.directory)
    assert _counts(summary) == {"customers.csv": (3, 0, 0, 0)}


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
    assert _counts(summary)["meters.csv"] == (1, 0, 0, 0)


def test_a_file_missing_header_columns_is_not_loaded_but_the_others_are(
    db_session: Session, export: Export
) -> None:
    export.write_good()
    export.write("meters.csv", METERS.replace("reading_mode,tariff_type", "mode,tariff"))

    summary = import_directory(db_session, export.directory)

    report = summary.report("meters.csv")
    assert report.failure is not None
    assert (report.failure.line, report.failure.code) == (1, "missing_columns")
    assert report.failure.params == {"columns": "reading_mode, tariff_type"}
    assert report.inserted == 0
    assert summary.failed_files == [report]
    assert summary.report("bills.csv").inserted == 3
    # Readings of meters that were not loaded are unknown.
    assert _errors(summary, "readings.csv") == [
        (2, "unknown_meter_number"),
        (3, "unknown_meter_number"),
        (4, "unknown_meter_number"),
    ]


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
    monkeypatch.setattr(service, "BATCH", 5)
    original = service._Upserter._flush_inserts
    calls = {"n": 0}

    def failing_flush(self: service._Upserter) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # the third batch: two have been written already
            raise IntegrityError("INSERT", {}, Exception("simulated constraint failure"))
        original(self)

    monkeypatch.setattr(service._Upserter, "_flush_inserts", failing_flush)
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
    real_existing = service._existing
    monkeypatch.setattr(
        service,
        "_existing",
        lambda session, model, *args: {} if model is Bill else real_existing(session, model, *args),
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


def test_reasons_read_in_albanian_and_serbian(db_session: Session, export: Export) -> None:
    export.write("meters.csv", METERS)
    summary = import_directory(db_session, export.directory)
    error = summary.report("meters.csv").errors[0]
    assert error.message("en") == "Unknown customer code DPR 0000001 (not in the customers)."
    assert error.message("sq").startswith("Shifër e panjohur e konsumatorit DPR 0000001")
    assert error.message("sr").startswith("Nepoznata šifra potrošača DPR 0000001")


# --- areas -----------------------------------------------------------------------------------


def test_areas_are_built_from_addresses_and_named_from_areas_csv(
    db_session: Session, export: Export
) -> None:
    export.write_good("areas.csv", "customers.csv")
    summary = import_directory(db_session, export.directory)
    # areas.csv added Mitrovicë and its locality above the neighbourhood it names;
    # the customers added Prizren and its village Landovicë.
    assert summary.report("areas.csv").areas_inserted == 2
    assert summary.report("customers.csv").areas_inserted == 2

    areas = {a.path_key: a for a in db_session.scalars(select(Area))}
    assert set(areas) == {
        "prishtine",
        "prishtine/prishtine",
        "prishtine/prishtine/dardania",
        "prishtine/prishtine/ulpiana",
        "mitrovice",
        "mitrovice/mitrovice e veriut",
        "mitrovice/mitrovice e veriut/bosnjacka mahala",
        "prizren",
        "prizren/landovice",
    }
    dardania = areas["prishtine/prishtine/dardania"]
    assert (dardania.level, dardania.name, dardania.name_sr, dardania.name_en) == (
        "neighbourhood",
        "Dardania",
        "Dardanija",
        None,
    )
    assert dardania.parent_id == areas["prishtine/prishtine"].id
    assert areas["prishtine/prishtine"].parent_id == areas["prishtine"].id
    assert areas["prishtine"].level == "city" and areas["prishtine"].parent_id is None
    assert areas["prishtine"].name_en == "Pristina"
    # Created by areas.csv as the parent of a neighbourhood, named as the row wrote it.
    north = areas["mitrovice/mitrovice e veriut"]
    assert (north.level, north.name, north.name_sr) == ("locality", "Mitrovicë e Veriut", None)
    assert areas["mitrovice/mitrovice e veriut/bosnjacka mahala"].name_en == "Bosniak Quarter"

    # Each supply point hangs on its neighbourhood, or its locality when it has none.
    assert _supply_point(db_session, "DPR0000001").area_id == dardania.id
    assert _supply_point(db_session, "DPZ0000007").area_id == areas["prizren/landovice"].id
    assert areas["prizren/landovice"].level == "locality"


def test_spellings_of_a_place_meet_in_one_area(db_session: Session, export: Export) -> None:
    export.write(
        "customers.csv",
        CUSTOMERS.splitlines()[0]
        + "\n"
        + "\n".join(
            f"DGL 00000{n},Ana,Hoxha,,Rr. A,{city},{city},Kodra e Dëshmorëve,household"
            for n, city in enumerate(["Gjilan", "GJILAN", "Gjilan", " gjilan "])
        )
        + "\nDGL 0000099,Ana,Hoxha,,Rr. A,Gjilan,Gjilan,kodra-e-deshmoreve,household\n",
    )
    import_directory(db_session, export.directory)

    areas = db_session.scalars(select(Area).order_by(Area.path_key)).all()
    assert [(a.path_key, a.name) for a in areas] == [
        ("gjilan", "Gjilan"),  # the most frequent spelling
        ("gjilan/gjilan", "Gjilan"),
        ("gjilan/gjilan/kodra e deshmoreve", "Kodra e Dëshmorëve"),
    ]
    area_ids = {sp.area_id for sp in db_session.scalars(select(SupplyPoint))}
    assert area_ids == {areas[2].id}


def test_areas_csv_renames_and_is_idempotent(db_session: Session, export: Export) -> None:
    export.write_good("areas.csv")
    import_directory(db_session, export.directory)
    export.write(
        "areas.csv",
        "city,locality,neighbourhood,name_en,name_sr\n"
        "Prishtinë,,,Prishtina,Priština\n"
        "Prishtinë,Prishtinë,Dardania,Dardania,Dardanija\n",
    )
    summary = import_directory(db_session, export.directory)
    assert _counts(summary) == {"areas.csv": (0, 2, 0, 0)}
    assert import_directory(db_session, export.directory).report("areas.csv").unchanged == 2


def test_readings_csv_may_follow_meters_of_an_earlier_import(
    db_session: Session, export: Export
) -> None:
    export.write_good("customers.csv", "meters.csv", "readings.csv")
    import_directory(db_session, export.directory)
    (export.directory / "customers.csv").unlink()
    (export.directory / "meters.csv").unlink()
    export.write("readings.csv", READINGS.replace("12350.100", "12350.200"))
    summary = import_directory(db_session, export.directory)
    assert _counts(summary) == {"readings.csv": (0, 1, 2, 0)}
