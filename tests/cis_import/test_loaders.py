"""What each file's rows say: every kind of bad row, payments' days, readings, the area tree."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.areas.models import Area
from ekesco_api.cis_import.service import import_directory
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.payments.models import CisPayment
from tests.cis_import.conftest import CUSTOMERS, GOOD, METERS, PAYMENTS, READINGS, Export
from tests.cis_import.helpers import counts, rejections, supply_point
from tests.factories import make_supply_point

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

    assert rejections(summary, file) == [(3, code)]
    report = summary.report(file)
    assert report.inserted == len(rest) + 1
    assert report.failure is None
    message = report.errors[0].message()
    assert message and "%(" not in message
    assert str(report.errors[0]).startswith(f"{file}:3: ")
    other_files = [r for r in summary.files if r.file != file]
    assert all(r.rejected == 0 and r.failure is None for r in other_files)


def _lines(file: str) -> list[str]:
    return GOOD[file].splitlines()


def test_reasons_read_in_albanian_and_serbian(db_session: Session, export: Export) -> None:
    export.write("meters.csv", METERS)
    summary = import_directory(db_session, export.directory)
    error = summary.report("meters.csv").errors[0]
    assert error.message("en") == "Unknown customer code DPR 0000001 (not in the customers)."
    assert error.message("sq").startswith("Shifër e panjohur e konsumatorit DPR 0000001")
    assert error.message("sr").startswith("Nepoznata šifra potrošača DPR 0000001")


# --- payments, meters, readings ---------------------------------------------------------------


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
    assert counts(import_directory(db_session, export.directory))["payments.csv"] == (0, 1, 2, 0)
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
    assert payment.supply_point_id == supply_point(db_session, "DPR0000001").id


def test_existing_supply_points_count_as_known_codes(db_session: Session, export: Export) -> None:
    make_supply_point(db_session, customer_code="DFE 0004242")
    export.write(
        "meters.csv",
        "meter_number,customer_code,reading_mode,tariff_type\n123,dfe 0004242,manual,dual\n",
    )
    summary = import_directory(db_session, export.directory)
    assert counts(summary) == {"meters.csv": (1, 0, 0, 0)}


def test_readings_csv_may_follow_meters_of_an_earlier_import(
    db_session: Session, export: Export
) -> None:
    export.write_good("customers.csv", "meters.csv", "readings.csv")
    import_directory(db_session, export.directory)
    (export.directory / "customers.csv").unlink()
    (export.directory / "meters.csv").unlink()
    export.write("readings.csv", READINGS.replace("12350.100", "12350.200"))
    summary = import_directory(db_session, export.directory)
    assert counts(summary) == {"readings.csv": (0, 1, 2, 0)}


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
    assert supply_point(db_session, "DPR0000001").area_id == dardania.id
    assert supply_point(db_session, "DPZ0000007").area_id == areas["prizren/landovice"].id
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
    assert counts(summary) == {"areas.csv": (0, 2, 0, 0)}
    assert import_directory(db_session, export.directory).report("areas.csv").unchanged == 2
