"""Bills through HTTP: the paginated list, the detail with lines, the PDF, masking and 404s."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from ekesco_api.tariffs.service import compute_bill
from tests.factories import (
    make_app_payment,
    make_bill,
    make_cis_payment,
    make_meter,
    make_reading,
    make_tariff,
    utc,
)
from tests.support.auth import API, dispatcher_headers, logged_out
from tests.support.customers import add_meter, make_customer
from tests.support.logs import captured_logs
from tests.support.pdf import pdf_text


def _two_years_of_bills(session, point):
    bills = []
    for n in range(24):
        year, month = 2023 + n // 12, n % 12 + 1
        bills.append(make_bill(session, supply_point=point, period=f"{year}-{month:02d}"))
    return bills


# --- GET /meters/{id}/bills ----------------------------------------------------------------


def test_bill_statuses_count_payments_from_the_oldest_bills_day_and_pending_app_payments(
    client, db_session
):
    customer = make_customer(db_session)
    point = customer.supply_point
    make_bill(db_session, supply_point=point, period="2025-01")  # issued 5 Feb, 28.88
    make_bill(db_session, supply_point=point, period="2025-02")  # issued 5 Mar, 28.88
    # 23:30 on 4 February in Kosovo: before the oldest bill, so not towards it.
    make_cis_payment(
        db_session, supply_point=point, amount=Decimal("100.00"), paid_at=utc(2025, 2, 4, 22, 30)
    )
    # 00:30 on 5 February there, the oldest bill's own day: it counts.
    make_cis_payment(
        db_session, supply_point=point, amount=Decimal("28.88"), paid_at=utc(2025, 2, 4, 23, 30)
    )

    def statuses():
        response = client.get(f"{API}/meters/{customer.meter.id}/bills", headers=customer.headers)
        assert response.status_code == 200
        return [bill["status"] for bill in response.get_json()]

    assert statuses() == ["unpaid", "paid"]
    make_app_payment(db_session, customer.meter, "10.00")  # paid at the bank, not yet in the CIS
    assert statuses() == ["partially_paid", "paid"]
    make_app_payment(db_session, customer.meter, "18.88")
    assert statuses() == ["paid", "paid"]


def test_bills_of_a_meter_newest_first_with_the_contract_fields(client, db_session):
    customer = make_customer(db_session)
    point = customer.supply_point
    january = make_bill(db_session, supply_point=point, period="2025-01")
    february = make_bill(db_session, supply_point=point, period="2025-02")
    make_cis_payment(
        db_session, supply_point=point, amount=Decimal("28.88"), paid_at=utc(2025, 2, 9)
    )

    response = client.get(f"{API}/meters/{customer.meter.id}/bills", headers=customer.headers)

    assert response.status_code == 200
    body = response.get_json()
    assert [b["id"] for b in body] == [february.id, january.id]
    assert body[1] == {
        "id": january.id,
        "bill_number": january.bill_number,
        "period": "2025-01",
        "issued_on": "2025-02-05",
        "due_on": "2025-02-20",
        "kwh_high": "250.00",
        "kwh_low": "120.00",
        "total": "28.88",
        "status": "paid",
    }
    assert body[0]["status"] == "unpaid"
    assert json.loads(response.headers["X-Pagination"]) == {
        "total": 2,
        "total_pages": 1,
        "first_page": 1,
        "last_page": 1,
        "page": 1,
    }


def test_bills_are_paginated(client, db_session):
    customer = make_customer(db_session)
    bills = _two_years_of_bills(db_session, customer.supply_point)
    url = f"{API}/meters/{customer.meter.id}/bills"

    first = client.get(url, headers=customer.headers)
    third = client.get(f"{url}?page=3&page_size=10", headers=customer.headers)

    assert [b["period"] for b in first.get_json()] == [f"2024-{m:02d}" for m in range(12, 0, -1)]
    assert json.loads(first.headers["X-Pagination"])["total_pages"] == 2
    assert [b["id"] for b in third.get_json()] == [b.id for b in bills[3::-1]]
    pagination = json.loads(third.headers["X-Pagination"])
    assert pagination["total"] == 24 and pagination["page"] == 3
    assert pagination["previous_page"] == 2
    too_big = client.get(f"{url}?page_size=61", headers=customer.headers)
    assert too_big.status_code == 422


def test_bills_of_an_added_meter_and_not_after_removing_it(client, db_session):
    customer = make_customer(db_session)
    shop = make_meter(db_session)
    bill = make_bill(db_session, supply_point=shop.supply_point)
    assert add_meter(client, customer, shop).status_code == 201
    listed = client.get(f"{API}/meters/{shop.id}/bills", headers=customer.headers).get_json()
    assert [b["id"] for b in listed] == [bill.id]
    assert client.get(f"{API}/bills/{bill.id}", headers=customer.headers).status_code == 200

    client.delete(f"{API}/meters/{shop.id}", headers=customer.headers)

    assert client.get(f"{API}/meters/{shop.id}/bills", headers=customer.headers).status_code == 404
    assert client.get(f"{API}/bills/{bill.id}", headers=customer.headers).status_code == 404


def _refused_as_revoked(response):
    assert response.status_code == 401
    assert response.get_json()["code"] == "token_revoked"


def test_a_logged_out_session_reads_no_bills(client, db_session):
    # The bills statement finds the session ended itself (the guard leaves that to it), with
    # bills or without: the meter's row is there either way.
    customer = make_customer(db_session)
    empty = make_meter(db_session)
    assert add_meter(client, customer, empty).status_code == 201
    make_bill(db_session, supply_point=customer.supply_point)
    headers = logged_out(client, customer.headers)
    for meter in (customer.meter, empty):
        _refused_as_revoked(client.get(f"{API}/meters/{meter.id}/bills", headers=headers))


def test_a_logged_out_sessions_404_is_a_401(client, db_session):
    # A meter not on the account gives the statement no row to carry the answer: the guard
    # looks the session up itself, and its 401 comes before the 404, as when it looked first.
    customer = make_customer(db_session)
    stranger = make_meter(db_session)
    headers = logged_out(client, customer.headers)
    _refused_as_revoked(client.get(f"{API}/meters/{stranger.id}/bills", headers=headers))


def test_an_ended_staff_session_reading_bills_is_refused_as_revoked_before_its_kind(
    client, db_session
):
    meter = make_meter(db_session)
    url = f"{API}/meters/{meter.id}/bills"
    _refused_as_revoked(client.get(url, headers=logged_out(client, dispatcher_headers(db_session))))
    live = client.get(url, headers=dispatcher_headers(db_session))
    assert live.status_code == 403
    assert live.get_json()["code"] == "forbidden"


def test_a_logged_out_sessions_bills_request_is_logged_without_its_account(client, db_session):
    # As when the guard refused it before the view: the token was never accepted.
    customer = make_customer(db_session)
    headers = logged_out(client, customer.headers)
    stranger = make_meter(db_session)
    for meter in (customer.meter, stranger):
        with captured_logs() as out:
            assert client.get(f"{API}/meters/{meter.id}/bills", headers=headers).status_code == 401
        (line,) = [
            json.loads(text) for text in out.getvalue().splitlines() if '"ekesco.access"' in text
        ]
        assert line["status"] == 401 and "account_id" not in line, meter


# --- GET /bills/{id} -------------------------------------------------------------------------


def _engine_bill(session, customer, *, previous_balance):
    """February 2031's bill of 640 + 310 kWh as the tariff engine prices it (so it has lines)."""
    computed = compute_bill(
        [make_tariff(session)],
        category="household",
        period_start=dt.date(2031, 2, 1),
        kwh_high=Decimal("640.00"),
        kwh_low=Decimal("310.00"),
        previous_balance=previous_balance,
    )
    return make_bill(
        session,
        supply_point=customer.supply_point,
        period="2031-02",
        kwh_high=computed.kwh_high,
        kwh_low=computed.kwh_low,
        energy_amount=computed.energy_amount,
        fixed_fee=computed.fixed_fee,
        vat_amount=computed.vat_amount,
        previous_balance=computed.previous_balance,
    )


def test_bill_detail_has_lines_that_add_up_and_the_holder_in_full(client, db_session):
    customer = make_customer(
        db_session, first_name="Shpëtim", last_name="Gërguri", street="Rr. Nëna Terezë 12"
    )
    bill = _engine_bill(db_session, customer, previous_balance=Decimal("-2.00"))

    response = client.get(
        f"{API}/bills/{bill.id}", headers={**customer.headers, "Accept-Language": "en"}
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["holder_name"] == "Shpëtim Gërguri"
    assert body["address"] == "Rr. Nëna Terezë 12, Dardania, Prishtinë"
    assert body["masked"] is False
    assert body["total"] == f"{bill.total:.2f}"
    assert body["status"] == "partially_paid"  # the 2.00 credit pays a little of it
    assert body["customer_code"] == customer.supply_point.customer_code
    assert body["payment_reference"] == bill.bill_number
    assert sum(Decimal(line["amount"]) for line in body["lines"]) == Decimal(body["total"])
    assert [line["code"] for line in body["lines"]][:4] == ["A1/B1", "A2/B1", "A1/B2", "A2/B2"]
    first = body["lines"][0]
    assert first.pop("label").startswith("Energy, high tariff")  # in the request's language
    assert first == {
        "code": "A1/B1",
        "quantity": "538.947",
        "unit": "kWh",
        "unit_price": "0.10000",
        "amount": "53.89",
    }
    assert body["lines"][-1] == {
        "code": "previous_balance",
        "label": "Previous balance",
        "quantity": None,
        "unit": None,
        "unit_price": None,
        "amount": "-2.00",
    }


def test_bill_detail_is_masked_when_the_names_do_not_match(client, db_session):
    customer = make_customer(db_session, name_matches_holder=False, street="Rr. Nëna Terezë 12")
    bill = make_bill(db_session, supply_point=customer.supply_point)

    body = client.get(f"{API}/bills/{bill.id}", headers=customer.headers).get_json()

    assert body["masked"] is True
    assert body["holder_name"] == "Ar** Kr**"
    assert body["address"] == "Rr**. Në** Te** **, Da**, Pr**"
    # Bill numbers, amounts and consumption stay.
    assert body["bill_number"] == bill.bill_number
    assert body["total"] == "28.88" and body["kwh_high"] == "250.00"


def test_another_accounts_bill_is_404(client, db_session):
    customer = make_customer(db_session)
    neighbour = make_customer(db_session)
    theirs = make_bill(db_session, supply_point=neighbour.supply_point)
    added = make_meter(db_session)
    added_bill = make_bill(db_session, supply_point=added.supply_point)
    assert add_meter(client, neighbour, added).status_code == 201
    unheld = make_bill(db_session)

    for bill in (theirs, added_bill, unheld):
        for suffix in ("", "/pdf"):
            response = client.get(f"{API}/bills/{bill.id}{suffix}", headers=customer.headers)
            assert response.status_code == 404, (bill.id, suffix)
            assert response.get_json()["code"] == "not_found"
    assert client.get(f"{API}/bills/999999999", headers=customer.headers).status_code == 404


# --- GET /bills/{id}/pdf ---------------------------------------------------------------------


def test_the_pdf_has_the_holder_the_total_and_the_reads(client, db_session):
    customer = make_customer(db_session, first_name="Đorđe", last_name="Čolić")
    bill = make_bill(db_session, supply_point=customer.supply_point, period="2025-01")
    for when, high in ((utc(2024, 12, 31, 22), "10234.000"), (utc(2025, 1, 31, 22), "10484.000")):
        make_reading(
            db_session,
            meter=customer.meter,
            read_at=when,
            kwh_high_total=Decimal(high),
            kwh_low_total=Decimal("5000.000"),
        )

    response = client.get(
        f"{API}/bills/{bill.id}/pdf", headers={**customer.headers, "Accept-Language": "sr"}
    )

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    text = pdf_text(response.data)
    assert "Đorđe Čolić" in text
    assert "28,88 €" in text
    assert bill.bill_number in text
    assert customer.meter.meter_number in text
    assert "10.484" in text  # the current high read, Serbian digit grouping
    assert "Račun za električnu energiju" in text


def test_the_pdf_is_masked_like_the_detail(client, db_session):
    customer = make_customer(db_session, name_matches_holder=False, street="Rr. Nëna Terezë 12")
    bill = make_bill(db_session, supply_point=customer.supply_point)

    text = pdf_text(client.get(f"{API}/bills/{bill.id}/pdf", headers=customer.headers).data)

    assert "Ar** Kr**" in text
    assert "Arben" not in text and "Krasniqi" not in text
    assert "Terezë" not in text and "Rr**. Në** Te** **" in text
    assert bill.bill_number in text


def test_a_manual_meters_pdf_names_its_meter_and_prints_vat_as_a_rate(client, db_session):
    customer = make_customer(db_session, reading_mode="manual")
    bill = _engine_bill(db_session, customer, previous_balance=Decimal("0.00"))

    text = pdf_text(client.get(f"{API}/bills/{bill.id}/pdf", headers=customer.headers).data)

    assert f"Njehsori {customer.meter.meter_number}" in text  # not "Njehsori –"
    assert "8 %" in text.replace("\xa0", " ")
    assert " muaj " in text  # the fixed fee's unit, in Albanian
    assert " month " not in text
