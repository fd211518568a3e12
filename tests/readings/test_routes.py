"""GET /meters/{id}/readings: remote meters show the unbilled month, SOND meters say why not."""

from __future__ import annotations

from decimal import Decimal

from ekesco_api.readings.service import meter_readings
from tests.factories import make_bill, make_reading, make_tariff, utc
from tests.support.auth import API
from tests.support.customers import make_customer


def test_remote_meter_shows_reads_and_the_consumption_since_the_last_bill(client, db_session):
    make_tariff(db_session)
    customer = make_customer(db_session)
    bill = make_bill(
        db_session, supply_point=customer.supply_point, period="2031-01", kwh_high=Decimal("480.00")
    )
    make_bill(db_session, supply_point=customer.supply_point, period="2030-12")
    for when, high, low in [
        (utc(2031, 1, 31, 20), "1000.000", "500.000"),  # before local midnight of 1 February
        (utc(2031, 2, 10), "1200.000", "600.000"),
        (utc(2031, 2, 20), "1500.250", "700.000"),
    ]:
        make_reading(
            db_session,
            meter=customer.meter,
            read_at=when,
            kwh_high_total=Decimal(high),
            kwh_low_total=Decimal(low),
        )

    response = client.get(f"{API}/meters/{customer.meter.id}/readings", headers=customer.headers)

    assert response.status_code == 200
    body = response.get_json()
    assert body["reading_mode"] == "remote"
    assert body["note"] is None
    assert [r["read_at"] for r in body["reads"]] == [
        "2031-02-20T00:00:00Z",
        "2031-02-10T00:00:00Z",
        "2031-01-31T20:00:00Z",
    ]
    assert body["reads"][0] == {
        "read_at": "2031-02-20T00:00:00Z",
        "kwh_high_total": "1500.250",
        "kwh_low_total": "700.000",
    }
    assert body["monthly"][0] == {
        "period": "2031-01",
        "kwh_high": "480.00",
        "kwh_low": "120.00",
        "kwh_total": "600.00",
        "bill_id": bill.id,
    }
    assert [m["period"] for m in body["monthly"]] == ["2031-01", "2030-12"]
    # 500.25 kWh high at 0.10 and 200 low at 0.05 = 60.03 (rounded per line: 50.03 + 10.00),
    # plus the 2.00 fee, plus 8 % VAT on 62.03 = 4.96: 66.99.
    assert body["current"] == {
        "since": "2031-01-31T23:00:00Z",
        "as_of": "2031-02-20T00:00:00Z",
        "kwh_high": "500.250",
        "kwh_low": "200.000",
        "kwh_total": "700.250",
        "estimated_amount": "66.99",
    }


def test_manual_meter_says_why_there_is_no_current_figure(client, db_session):
    customer = make_customer(db_session, reading_mode="manual")
    make_bill(db_session, supply_point=customer.supply_point, period="2031-01")

    english = client.get(
        f"{API}/meters/{customer.meter.id}/readings",
        headers={**customer.headers, "Accept-Language": "en"},
    ).get_json()
    albanian = client.get(
        f"{API}/meters/{customer.meter.id}/readings",
        headers={**customer.headers, "Accept-Language": "sq"},
    ).get_json()

    assert english["reading_mode"] == "manual"
    assert english["reads"] == [] and english["current"] is None
    assert len(english["monthly"]) == 1
    assert "read by hand (SOND)" in english["note"]
    assert albanian["note"] != english["note"] and "SOND" in albanian["note"]


def test_remote_meter_without_reads_says_so(client, db_session):
    customer = make_customer(db_session)
    body = client.get(
        f"{API}/meters/{customer.meter.id}/readings",
        headers={**customer.headers, "Accept-Language": "en"},
    ).get_json()
    assert body["current"] is None
    assert body["note"] == "No remote read of this meter has arrived yet."


def test_remote_meter_without_a_read_since_the_bill_says_so(client, db_session):
    customer = make_customer(db_session)
    make_bill(db_session, supply_point=customer.supply_point, period="2031-01")
    make_reading(db_session, meter=customer.meter, read_at=utc(2031, 1, 15))
    body = client.get(
        f"{API}/meters/{customer.meter.id}/readings",
        headers={**customer.headers, "Accept-Language": "en"},
    ).get_json()
    assert body["current"] is None
    assert len(body["reads"]) == 1
    assert body["note"] == "No remote read of this meter has arrived since the last bill yet."


def test_without_a_bill_the_current_month_counts(db_session):
    customer = make_customer(db_session)
    make_reading(
        db_session, meter=customer.meter, read_at=utc(2031, 3, 1), kwh_high_total=Decimal(10)
    )
    make_reading(
        db_session, meter=customer.meter, read_at=utc(2031, 3, 9), kwh_high_total=Decimal(40)
    )
    view = meter_readings(
        db_session,
        account_id=customer.account.id,
        meter_id=customer.meter.id,
        now=utc(2031, 3, 10),
    )
    assert view.current is not None
    assert view.current.kwh_high == Decimal(30)
    assert view.current.since == utc(2031, 3, 1)  # the first read: reads begin in the month
