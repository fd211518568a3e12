"""Finding a paper bill by its two references, what the payer sees of it, and what is owed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ekesco_api.public_payments.errors import BillUnknown
from ekesco_api.public_payments.service import find_bill, initials
from tests.factories import make_app_payment, make_bill, make_cis_payment, make_meter, utc


@pytest.mark.parametrize(
    ("names", "shown"),
    [
        (("Arbën", "Krasniqi"), "A. K."),
        (("arben", "Krasniqi-Berisha"), "A. K."),
        (("Ana Marija", "Đorđević"), "A. Đ."),
        ((" 'Ëndrit", "Çeku"), "Ë. Ç."),
        (("Ljubica", ""), "L."),
    ],
)
def test_the_holder_is_shown_by_initials_only(names, shown):
    assert initials(*names) == shown


def _bill(session, **overrides):
    meter = make_meter(session)
    values = {
        "supply_point": meter.supply_point,
        "bill_number": "2026110012345",
        "period": "2026-10",
        "issued_on": dt.date(2026, 11, 5),
        "due_on": dt.date(2026, 11, 25),
        "total": Decimal("34.28"),
    }
    values.update(overrides)
    return meter, make_bill(session, **values)


def test_both_references_find_the_bill_whatever_the_spacing_of_the_code(db_session):
    meter, _bill_row = _bill(db_session)
    point = meter.supply_point
    found = find_bill(
        db_session,
        customer_code=point.customer_code.lower().replace(" ", "-"),
        bill_number=" 2026110012345 ",
    )
    assert (found.customer_code, found.bill_number, found.period, found.due_on) == (
        point.customer_code,
        "2026110012345",
        "2026-10",
        dt.date(2026, 11, 25),
    )
    assert found.holder == initials(point.first_name, point.last_name)
    assert found.amount_due == Decimal("34.28")


@pytest.mark.parametrize("wrong", ["code", "number", "both", "another_bills_code"])
def test_either_reference_wrong_is_one_and_the_same_refusal(db_session, wrong):
    meter, bill = _bill(db_session)
    other_meter, _other = _bill(db_session, bill_number="2026110099999")
    code, number = meter.supply_point.customer_code, bill.bill_number
    if wrong in ("code", "both"):
        code = "DPR 0000000"
    if wrong in ("number", "both"):
        number = "2026110000000"
    if wrong == "another_bills_code":
        code = other_meter.supply_point.customer_code
    with pytest.raises(BillUnknown):
        find_bill(db_session, customer_code=code, bill_number=number)


def test_what_is_owed_counts_payments_since_the_bill_and_pending_app_payments(db_session):
    meter, bill = _bill(db_session)
    point = meter.supply_point
    # Paid before the bill was issued: already in its previous balance.
    make_cis_payment(
        db_session, supply_point=point, amount=Decimal("50.00"), paid_at=utc(2026, 11, 1)
    )
    make_cis_payment(
        db_session, supply_point=point, amount=Decimal("10.00"), paid_at=utc(2026, 11, 9)
    )
    found = find_bill(db_session, customer_code=point.customer_code, bill_number=bill.bill_number)
    assert found.amount_due == Decimal("24.28")
    make_app_payment(db_session, meter, "24.28")  # succeeded, not confirmed by the CIS yet
    found = find_bill(db_session, customer_code=point.customer_code, bill_number=bill.bill_number)
    assert found.amount_due == Decimal("0.00")
