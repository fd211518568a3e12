"""What an arrangement counts as paid: its own supply point's payments, read in the balance's
one statement without reading anyone else's."""

from __future__ import annotations

from decimal import Decimal

from ekesco_api.balance.schemas import dump_meter_balance
from ekesco_api.balance.service import meter_balance
from ekesco_api.disconnection.agreements import propose
from ekesco_api.types import utcnow
from tests.factories import make_bill, make_cis_payment
from tests.support.customers import make_customer
from tests.support.statements import count_statements


def _indebted_with_agreement(db_session):
    customer = make_customer(db_session)
    make_bill(
        db_session,
        supply_point=customer.supply_point,
        period="2026-10",
        energy_amount=Decimal("100.00"),
        fixed_fee=Decimal("0.00"),
        vat_amount=Decimal("0.00"),
    )
    propose(
        db_session,
        account_id=customer.account.id,
        meter_id=customer.meter.id,
        installments=4,
        now=utcnow(),
    )
    return customer


def test_each_arrangement_counts_only_its_own_supply_points_payments(db_session):
    payer, other = _indebted_with_agreement(db_session), _indebted_with_agreement(db_session)
    make_cis_payment(
        db_session, supply_point=payer.supply_point, amount=Decimal("30.00"), paid_at=utcnow()
    )
    db_session.commit()

    def paid(customer):
        row = meter_balance(db_session, account_id=customer.account.id, meter_id=customer.meter.id)
        return dump_meter_balance(row)["arrangement"]["paid"]

    with count_statements() as statements:
        assert (paid(payer), paid(other)) == ("30.00", "0.00")
    # Correlated to the meter's supply point: no statement reads all the payments.
    assert not any("FROM cis_payments, meters" in s for s in statements), statements
