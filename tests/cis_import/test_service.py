"""The import as the command runs it: every file in order, exact values, idempotence, the run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.areas.models import Area
from ekesco_api.bills.models import Bill
from ekesco_api.cis_import import queries
from ekesco_api.cis_import.models import ImportRun
from ekesco_api.cis_import.service import import_directory
from ekesco_api.disconnection.agreements import propose
from ekesco_api.disconnection.models import DisconnectionCase
from ekesco_api.meters.models import Meter, Reading, SupplyPoint
from ekesco_api.payments.models import CisPayment
from ekesco_api.types import utcnow
from tests.cis_import.conftest import BILLS, CUSTOMERS, METERS, PAYMENTS, Export
from tests.cis_import.helpers import counts, rejections, supply_point
from tests.factories import make_bill, make_cis_payment
from tests.support.customers import make_customer


def test_good_export_loads_every_file(db_session: Session, export: Export) -> None:
    summary = import_directory(db_session, export.write_good().directory)

    assert summary.error_count == 0 and not summary.failed_files
    assert counts(summary) == {
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

    arben = supply_point(db_session, "DPR0000001")
    assert (arben.customer_code, arben.first_name, arben.last_name) == (
        "DPR 0000001",
        "Arben",
        "Krasniqi",
    )
    assert arben.personal_number == "1234567890"
    assert arben.street == "Rr. Nëna Terezë nr. 10"
    company = supply_point(db_session, "DPZ0000007")
    assert company.personal_number is None
    assert company.category == "commercial"
    assert company.neighbourhood == ""

    meters = {m.meter_number: m for m in db_session.scalars(select(Meter))}
    assert meters["90000003"].supply_point_id == supply_point(db_session, "DMI0000003").id
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

    assert counts(again) == {
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
    arben_id = supply_point(db_session, "DPR0000001").id

    # The CIS now writes the code without its space and has a new surname and a new total.
    export.write(
        "customers.csv", CUSTOMERS.replace("DPR 0000001,Arben,Krasniqi", "DPR0000001,Arben,Gashi")
    )
    export.write("bills.csv", BILLS.replace("4.55,77.68,139.07", "4.56,77.68,139.08"))
    export.write("payments.csv", PAYMENTS.replace("10.00,2025-07-05", "12.50,2025-07-05"))
    summary = import_directory(db_session, export.directory)

    assert counts(summary)["customers.csv"] == (0, 1, 2, 0)
    assert counts(summary)["bills.csv"] == (0, 1, 2, 0)
    assert counts(summary)["payments.csv"] == (0, 1, 2, 0)
    db_session.expire_all()
    arben = supply_point(db_session, "DPR0000001")
    assert arben.id == arben_id
    assert (arben.customer_code, arben.last_name) == ("DPR0000001", "Gashi")
    bill = db_session.scalars(select(Bill).where(Bill.bill_number == "202502000001")).one()
    assert bill.total == Decimal("139.08")


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
    assert queries.last_synced_at(db_session) == run.finished_at


def test_an_empty_directory_imports_nothing(db_session: Session, export: Export) -> None:
    summary = import_directory(db_session, export.directory)
    assert summary.files == [] and summary.error_count == 0


def test_rejected_customers_make_their_meters_unknown(db_session: Session, export: Export) -> None:
    export.write_good("meters.csv")
    export.write("customers.csv", CUSTOMERS.replace(",household\nDMI", ",flat\nDMI"))
    summary = import_directory(db_session, export.directory)
    assert rejections(summary, "customers.csv") == [(2, "bad_choice")]
    assert rejections(summary, "meters.csv") == [(2, "unknown_customer_code")]
    assert summary.report("meters.csv").inserted == 2


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
    assert rejections(summary, "readings.csv") == [
        (2, "unknown_meter_number"),
        (3, "unknown_meter_number"),
        (4, "unknown_meter_number"),
    ]


def test_an_import_settles_payment_agreements(db_session: Session, export: Export) -> None:
    customer = make_customer(db_session)
    no_fees = {"fixed_fee": Decimal("0"), "vat_amount": Decimal("0")}
    make_bill(
        db_session, supply_point=customer.supply_point, energy_amount=Decimal("90"), **no_fees
    )
    made = utcnow() - dt.timedelta(days=40)
    propose(
        db_session,
        account_id=customer.account.id,
        meter_id=customer.meter.id,
        installments=3,
        now=made,
    )
    make_cis_payment(
        db_session,
        supply_point=customer.supply_point,
        amount=Decimal("30"),
        paid_at=made + dt.timedelta(hours=1),
    )
    db_session.commit()  # the first installment paid, the second's day 10 days gone

    summary = import_directory(db_session, export.directory)

    # A missed installment starts a new warning (ERO rule Art. 16.1a) without a cron line.
    assert summary.agreements == {"agreements": 1, "warnings": 1}
    case = db_session.scalars(select(DisconnectionCase)).one()
    assert (case.reason, case.amount_due) == ("installment_missed", Decimal("60.00"))
