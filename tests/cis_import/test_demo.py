"""The demo export: deterministic, as consistent as a real CIS export, priced by the engine."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from ekesco_api.cis_import.demo import NoTariffForPeriod, previous_month, write_demo_export
from ekesco_api.cis_import.demo.places import CITIES
from ekesco_api.clock import ZONE
from ekesco_api.extensions import db
from ekesco_api.tariffs.engine import bill_from_tariff, select_tariff
from ekesco_api.tariffs.models import Tariff

NAMES = ("customers", "meters", "bills", "payments", "readings", "areas")


def _read(directory: Path, name: str) -> list[dict[str, str]]:
    with (directory / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def tariffs(app: Flask) -> list[Tariff]:
    """The tariff rows the migrations seeded into the test database (loaded, then detached)."""
    with app.app_context():
        return list(db.session.scalars(select(Tariff)).all())


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, tariffs: list[Tariff]
) -> dict[str, list[dict[str, str]]]:
    out = tmp_path_factory.mktemp("demo")
    write_demo_export(out, tariffs=tariffs, supply_points=400, seed=11, last_period="2026-10")
    return {name: _read(out, name) for name in NAMES}


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path, tariffs: list[Tariff]) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_demo_export(a, tariffs=tariffs, supply_points=25, seed=3, last_period="2026-10")
    write_demo_export(b, tariffs=tariffs, supply_points=25, seed=3, last_period="2026-10")
    write_demo_export(c, tariffs=tariffs, supply_points=25, seed=4, last_period="2026-10")
    for name in NAMES:
        assert (a / f"{name}.csv").read_bytes() == (b / f"{name}.csv").read_bytes()
    assert (a / "bills.csv").read_bytes() != (c / "bills.csv").read_bytes()


def test_last_month_is_the_default_last_period() -> None:
    assert previous_month(dt.date(2026, 1, 15)) == "2025-12"
    assert previous_month(dt.date(2026, 11, 1)) == "2026-10"


def test_customers_look_like_kesco_customers(demo: dict[str, list[dict[str, str]]]) -> None:
    customers = demo["customers"]
    assert len(customers) == 400
    codes = [c["customer_code"] for c in customers]
    assert len(set(codes)) == 400
    assert all(re.fullmatch(r"(DPR|DMI|DPE|DPZ|DFE|DGL|DGJ) \d{7}", code) for code in codes)
    assert {code[:3] for code in codes} == {"DPR", "DMI", "DPE", "DPZ", "DFE", "DGL", "DGJ"}
    assert codes[:5] == ["DPR 0000001", "DPZ 0000002", "DMI 0000003", "DPE 0000004", "DGJ 0000005"]
    households = sum(c["category"] == "household" for c in customers) / len(customers)
    assert 0.78 < households < 0.92
    personal = [c["personal_number"] for c in customers if c["personal_number"]]
    assert len(set(personal)) == len(personal)
    assert all(re.fullmatch(r"\d{10}", number) for number in personal)
    names = " ".join(c["first_name"] + " " + c["last_name"] for c in customers)
    for letter in "ëçćčšž":
        assert letter in names, letter
    cities = {city.name.sq for city in CITIES}
    assert {c["city"] for c in customers} & cities == cities
    assert any(c["neighbourhood"] == "" for c in customers)  # villages


def test_meters_are_remote_or_manual(demo: dict[str, list[dict[str, str]]]) -> None:
    meters = demo["meters"]
    assert len({m["meter_number"] for m in meters}) == len(meters)
    remote = sum(m["reading_mode"] == "remote" for m in meters) / len(meters)
    assert 0.3 < remote < 0.5
    assert {m["tariff_type"] for m in meters} == {"single", "dual"}


def test_bills_add_up_and_carry_what_was_not_paid(
    demo: dict[str, list[dict[str, str]]],
) -> None:
    bills = demo["bills"]
    assert len(bills) == 400 * 24
    assert len({b["bill_number"] for b in bills}) == len(bills)
    assert {b["period"] for b in bills} == {
        f"{y}-{m:02d}" for y, m in [(2024, 11), (2024, 12)] + [(2025, m) for m in range(1, 13)]
    } | {f"2026-{m:02d}" for m in range(1, 11)}

    paid: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for payment in demo["payments"]:
        paid[payment["customer_code"]].append((payment["paid_at"][:10], Decimal(payment["amount"])))
    by_code: dict[str, list[dict[str, str]]] = defaultdict(list)
    for bill in bills:
        parts = ("energy_amount", "fixed_fee", "vat_amount", "previous_balance")
        assert sum(Decimal(bill[p]) for p in parts) == Decimal(bill["total"])
        assert all(re.fullmatch(r"-?\d+\.\d\d", bill[p]) for p in (*parts, "total"))
        assert bill["issued_on"] < bill["due_on"]
        by_code[bill["customer_code"]].append(bill)
    for code, history in by_code.items():
        history.sort(key=lambda b: b["period"])
        for before, after in pairwise(history):
            between = sum(
                (a for day, a in paid[code] if before["issued_on"] <= day < after["issued_on"]),
                Decimal(0),
            )
            expected = Decimal(before["total"]) - between
            assert Decimal(after["previous_balance"]) == expected, (code, after["period"])


def test_every_bill_is_the_tariff_engines_bill(
    demo: dict[str, list[dict[str, str]]], tariffs: list[Tariff]
) -> None:
    # The demo and the engine must not drift apart: each bill is what `bill_from_tariff` makes
    # of its reads and previous balance, under the tariff in force on its period's first day.
    category = {c["customer_code"]: c["category"] for c in demo["customers"]}
    used: set[tuple[str, dt.date]] = set()
    for bill in demo["bills"]:
        year, month = map(int, bill["period"].split("-"))
        tariff = select_tariff(
            tariffs, category=category[bill["customer_code"]], on=dt.date(year, month, 1)
        )
        used.add((tariff.category, tariff.valid_from))
        expected = bill_from_tariff(
            tariff,
            kwh_high=Decimal(bill["kwh_high"]),
            kwh_low=Decimal(bill["kwh_low"]),
            previous_balance=Decimal(bill["previous_balance"]),
        )
        assert [Decimal(bill[name]) for name in SUMS] == [
            getattr(expected, name) for name in SUMS
        ], (bill["bill_number"], bill["period"])
    # Both categories, and the window spans a tariff change (1 May 2025 in the seeded table).
    assert {c for c, _ in used} == {"household", "commercial"}
    assert len(used) > 2


SUMS = ("energy_amount", "fixed_fee", "vat_amount", "previous_balance", "total")


def test_household_blocks_and_one_tariff_a_month(demo: dict[str, list[dict[str, str]]]) -> None:
    category = {c["customer_code"]: c["category"] for c in demo["customers"]}
    fees: dict[tuple[str, str], set[str]] = defaultdict(set)
    for bill in demo["bills"]:
        fees[category[bill["customer_code"]], bill["period"]].add(bill["fixed_fee"])
    assert all(len(fee) == 1 for fee in fees.values())
    heavy = [b for b in demo["bills"] if int(b["kwh_high"]) + int(b["kwh_low"]) > 800]
    assert heavy, "some homes heat with electricity and pass the 800 kWh block in winter"


def test_no_tariff_for_a_month_fails_before_writing(tmp_path: Path, tariffs: list[Tariff]) -> None:
    out = tmp_path / "out"
    with pytest.raises(NoTariffForPeriod, match=r"No household tariff is in force on 2024-11-01"):
        write_demo_export(out, tariffs=[], supply_points=5, seed=1, last_period="2026-10")
    # The seeded tariffs start on 9 Feb 2022: 24 months up to 2022-06 begin uncovered.
    with pytest.raises(NoTariffForPeriod) as raised:
        write_demo_export(out, tariffs=tariffs, supply_points=5, seed=1, last_period="2022-06")
    assert raised.value.period == "2020-07"
    assert not out.exists()


def test_payments_have_unique_references_and_offsets(
    demo: dict[str, list[dict[str, str]]],
) -> None:
    payments = demo["payments"]
    assert len({p["reference"] for p in payments}) == len(payments)
    assert {p["channel"] for p in payments} == {"bank", "post", "cash_desk"}
    assert all(re.search(r"[+-]0[12]:00$", p["paid_at"]) for p in payments)
    bills = len(demo["bills"])
    assert 0.7 * bills < len(payments) < bills


def test_remote_meters_have_sixty_daily_rising_totals(
    demo: dict[str, list[dict[str, str]]],
) -> None:
    remote = {m["meter_number"] for m in demo["meters"] if m["reading_mode"] == "remote"}
    series: dict[str, list[dict[str, str]]] = defaultdict(list)
    for reading in demo["readings"]:
        series[reading["meter_number"]].append(reading)
    assert set(series) == remote
    for rows in series.values():
        assert len(rows) == 60
        highs = [Decimal(r["kwh_high_total"]) for r in rows]
        assert highs == sorted(highs) and highs[-1] > highs[0]
    assert series[min(series)][-1]["read_at"].startswith("2026-11-21T00:00:00+01:00")


def test_areas_name_every_place_in_three_languages(
    demo: dict[str, list[dict[str, str]]],
) -> None:
    areas = demo["areas"]
    paths = {(a["city"], a["locality"], a["neighbourhood"]) for a in areas}
    for customer in demo["customers"]:
        if customer["city"] in {city.name.sq for city in CITIES}:
            assert (customer["city"], customer["locality"], customer["neighbourhood"]) in paths
    assert all(a["name_sr"] and a["name_en"] for a in areas)
    prishtina = next(a for a in areas if a["city"] == "Prishtinë" and not a["locality"])
    assert (prishtina["name_sr"], prishtina["name_en"]) == ("Priština", "Pristina")


def test_nothing_is_dated_after_the_moment_the_export_is_written(
    tmp_path: Path, tariffs: list[Tariff]
) -> None:
    now = dt.datetime(2026, 12, 3, 10, 30, tzinfo=ZONE)  # early in the month after the last bill
    write_demo_export(
        tmp_path, tariffs=tariffs, supply_points=60, seed=5, last_period="2026-11", now=now
    )
    bills, payments, readings = (_read(tmp_path, n) for n in ("bills", "payments", "readings"))
    assert max(dt.date.fromisoformat(b["issued_on"]) for b in bills) <= now.date()
    assert max(dt.datetime.fromisoformat(p["paid_at"]) for p in payments) <= now
    assert max(dt.datetime.fromisoformat(r["read_at"]) for r in readings) <= now


def test_a_months_reads_differ_by_what_its_bill_charges(
    demo: dict[str, list[dict[str, str]]],
) -> None:
    code_of = {m["meter_number"]: m["customer_code"] for m in demo["meters"]}
    remote_count = defaultdict(int)
    for meter in demo["meters"]:
        remote_count[meter["customer_code"]] += meter["reading_mode"] == "remote"
    at_midnight = {(r["meter_number"], r["read_at"][:10]): r for r in demo["readings"]}
    bills = {(b["customer_code"], b["period"]): b for b in demo["bills"]}
    checked = 0
    for (number, day), opening in at_midnight.items():
        closing = at_midnight.get((number, "2026-11-01"))
        code = code_of[number]
        if day != "2026-10-01" or closing is None or remote_count[code] != 1:
            continue
        bill = bills[code, "2026-10"]
        high = Decimal(closing["kwh_high_total"]) - Decimal(opening["kwh_high_total"])
        low = Decimal(closing["kwh_low_total"]) - Decimal(opening["kwh_low_total"])
        assert high + low == Decimal(bill["kwh_high"]) + Decimal(bill["kwh_low"]), number
        if low:
            assert (high, low) == (Decimal(bill["kwh_high"]), Decimal(bill["kwh_low"]))
        checked += 1
    assert checked > 50
