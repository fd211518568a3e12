"""Bills: the paid-status rule, the lines of a bill, and the per-meter list with statuses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ekesco_api.balance.service import meter_balance
from ekesco_api.bills.service import (
    PAID,
    PARTIALLY_PAID,
    UNPAID,
    Charge,
    bill_lines,
    bill_statuses,
    meter_bills,
)
from ekesco_api.meters.errors import MeterNotFound
from ekesco_api.tariffs.service import compute_bill
from tests.factories import make_bill, make_cis_payment, make_meter, make_tariff, utc
from tests.support.customers import make_customer

D = Decimal


def _charges(*bills: tuple[str, str]) -> list[Charge]:
    return [Charge(i, D(prev), D(total)) for i, (prev, total) in enumerate(bills, start=1)]


# --- The paid-status rule ------------------------------------------------------------------


def test_without_payments_every_bill_with_charges_is_unpaid():
    bills = _charges(("0", "30"), ("30", "55"))
    assert bill_statuses(bills, D(0)) == {1: UNPAID, 2: UNPAID}


@pytest.mark.parametrize(
    ("paid", "expected"),
    [
        ("29.99", [PARTIALLY_PAID, UNPAID, UNPAID]),
        ("30", [PAID, UNPAID, UNPAID]),
        ("40", [PAID, PARTIALLY_PAID, UNPAID]),
        ("55", [PAID, PAID, UNPAID]),
        ("75", [PAID, PAID, PAID]),
        ("100", [PAID, PAID, PAID]),
    ],
)
def test_payments_settle_the_oldest_bill_first(paid, expected):
    # Charges of 30, 25 and 20; each bill carries the whole unpaid debt before it.
    bills = _charges(("0", "30"), ("30", "55"), ("55", "75"))
    assert list(bill_statuses(bills, D(paid)).values()) == expected


def test_the_oldest_bills_previous_balance_is_settled_before_its_charges():
    bills = _charges(("12", "42"))  # 12 of old debt, 30 of new charges
    assert bill_statuses(bills, D(12)) == {1: UNPAID}
    assert bill_statuses(bills, D(13)) == {1: PARTIALLY_PAID}
    assert bill_statuses(bills, D(42)) == {1: PAID}


def test_a_credit_note_is_paid_and_an_opening_credit_pays_part():
    assert bill_statuses(_charges(("40", "25")), D(0)) == {1: PAID}
    assert bill_statuses(_charges(("-5", "25")), D(0)) == {1: PARTIALLY_PAID}
    assert bill_statuses([], D(10)) == {}


# --- Lines ----------------------------------------------------------------------------------


def _parts(computed, **changes):
    values = {
        "category": "household",
        "period": "2031-02",
        "kwh_high": computed.kwh_high,
        "kwh_low": computed.kwh_low,
        "energy_amount": computed.energy_amount,
        "fixed_fee": computed.fixed_fee,
        "vat_amount": computed.vat_amount,
        "previous_balance": computed.previous_balance,
        "total": computed.total,
    }
    values.update(changes)
    return values


def test_lines_of_a_bill_the_tariff_explains_show_tariffs_and_blocks(app, db_session):
    tariff = make_tariff(db_session)
    computed = compute_bill(
        [tariff],
        category="household",
        period_start=dt.date(2031, 2, 1),
        kwh_high=D(700),
        kwh_low=D(300),
        previous_balance=D("12.34"),
    )
    lines = bill_lines([tariff], **_parts(computed))
    assert [line.code for line in lines] == [
        "A1/B1",
        "A2/B1",
        "A1/B2",
        "A2/B2",
        "fixed_fee",
        "vat",
        "previous_balance",
    ]
    assert sum(line.amount for line in lines) == computed.total
    first = lines[0]
    assert (first.quantity, first.unit, first.unit_price) == (D("560.000"), "kWh", D("0.10000"))


def test_lines_of_a_bill_the_tariff_does_not_explain_keep_the_cis_sums(app, db_session):
    tariff = make_tariff(db_session)
    computed = compute_bill(
        [tariff],
        category="household",
        period_start=dt.date(2031, 2, 1),
        kwh_high=D(100),
        kwh_low=D(50),
    )
    # A correction: the CIS charged 1.00 less energy than the tariff says.
    lines = bill_lines(
        [tariff],
        **_parts(
            computed,
            energy_amount=computed.energy_amount - 1,
            total=computed.total - 1,
        ),
    )
    assert [line.code for line in lines] == ["energy", "fixed_fee", "vat", "previous_balance"]
    assert lines[0].unit_price is None and lines[0].quantity == D(150)
    assert sum(line.amount for line in lines) == computed.total - 1


def test_lines_always_add_up_to_the_total(app, db_session):
    lines = bill_lines(
        [],  # no tariff at all
        category="commercial",
        period="1999-01",
        kwh_high=D(10),
        kwh_low=D(0),
        energy_amount=D("1.00"),
        fixed_fee=D("1.00"),
        vat_amount=D("0.16"),
        previous_balance=D("0.00"),
        total=D("2.20"),
    )
    assert lines[-1].code == "other" and lines[-1].amount == D("0.04")
    assert sum(line.amount for line in lines) == D("2.20")


# --- The list of a meter's bills -------------------------------------------------------------


def test_meter_bills_are_newest_first_with_statuses_from_payments(db_session):
    customer = make_customer(db_session)
    point = customer.supply_point
    january = make_bill(db_session, supply_point=point, period="2025-01")  # 28.88
    february = make_bill(
        db_session, supply_point=point, period="2025-02", previous_balance=D("28.88")
    )  # 57.76
    march = make_bill(db_session, supply_point=point, period="2025-03", previous_balance=D("28.88"))
    # Before January's bill was issued: already in its previous balance, so not counted.
    make_cis_payment(db_session, supply_point=point, amount=D(500), paid_at=utc(2025, 1, 3))
    make_cis_payment(db_session, supply_point=point, amount=D("28.88"), paid_at=utc(2025, 3, 1))
    make_cis_payment(db_session, supply_point=point, amount=D("10.00"), paid_at=utc(2025, 4, 8))

    bills = meter_bills(db_session, account_id=customer.account.id, meter_id=customer.meter.id)

    assert [b.id for b in bills] == [march.id, february.id, january.id]
    assert [b.status for b in bills] == [UNPAID, PARTIALLY_PAID, PAID]


def test_the_latest_bill_is_paid_exactly_when_nothing_is_due(db_session):
    customer = make_customer(db_session)
    point = customer.supply_point
    make_bill(db_session, supply_point=point, period="2025-01")
    make_cis_payment(db_session, supply_point=point, amount=D("28.88"), paid_at=utc(2025, 2, 10))
    # The CIS carries no debt over: February's previous balance is zero.
    make_bill(db_session, supply_point=point, period="2025-02")
    args = {"account_id": customer.account.id, "meter_id": customer.meter.id}

    assert meter_bills(db_session, **args)[0].status == UNPAID
    assert meter_balance(db_session, **args).amount_due == D("28.88")
    make_cis_payment(db_session, supply_point=point, amount=D("28.88"), paid_at=utc(2025, 3, 9))
    assert meter_bills(db_session, **args)[0].status == PAID
    assert meter_balance(db_session, **args).amount_due == 0


def test_meter_bills_of_a_meter_not_on_the_account_is_not_found(db_session):
    customer = make_customer(db_session)
    other = make_meter(db_session)
    make_bill(db_session, supply_point=other.supply_point)
    with pytest.raises(MeterNotFound):
        meter_bills(db_session, account_id=customer.account.id, meter_id=other.id)


def test_a_meter_without_bills_has_an_empty_list(db_session):
    customer = make_customer(db_session)
    assert meter_bills(db_session, account_id=customer.account.id, meter_id=customer.meter.id) == []
