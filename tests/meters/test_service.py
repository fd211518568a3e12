"""Meter rules without HTTP: races lost at the insert, releasing a code to its registered holder."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ekesco_api.meters import service as meter_service
from ekesco_api.meters.account_models import AccountMeter, SupplyPointClaim
from ekesco_api.meters.errors import MeterNotFound, MeterTaken
from tests.factories import make_account, make_meter
from tests.support.customers import make_customer


def _add(session, customer, meter):
    return meter_service.add_meter(
        session,
        account_id=customer.account.id,
        customer_code=meter.supply_point.customer_code,
        meter_number=meter.meter_number,
    )


def test_a_race_lost_at_the_insert_is_meter_taken_not_a_500(db_session, monkeypatch):
    customer = make_customer(db_session)
    rival = make_customer(db_session)
    meter = make_meter(db_session)
    counted = meter_service._count_meters

    def rival_claims_first(session, account_id):
        # Between our checks and our insert, another account's request commits its claim.
        session.add(
            SupplyPointClaim(supply_point_id=meter.supply_point_id, account_id=rival.account.id)
        )
        session.flush()
        return counted(session, account_id)

    monkeypatch.setattr(meter_service, "_count_meters", rival_claims_first)

    with pytest.raises(MeterTaken):
        _add(db_session, customer, meter)
    mine = db_session.scalars(
        select(AccountMeter).where(AccountMeter.account_id == customer.account.id)
    ).all()
    assert mine == []


def test_the_registered_holder_wins_a_code_another_account_had_added(db_session):
    customer = make_customer(db_session)
    meter = make_meter(db_session)
    _add(db_session, customer, meter)
    # Later the holder of that code registers with it.
    holder = make_account(db_session, supply_point=meter.supply_point)

    released = meter_service.release_supply_point(
        db_session, supply_point_id=meter.supply_point_id, keep_account_id=holder.id
    )

    assert released == 1
    with pytest.raises(MeterNotFound):
        meter_service.get_meter(db_session, account_id=customer.account.id, meter_id=meter.id)
    assert meter_service.get_meter(db_session, account_id=holder.id, meter_id=meter.id).is_primary


def test_naming_a_primary_meter_releases_a_stale_claim_on_it(db_session):
    customer = make_customer(db_session)
    meter = make_meter(db_session)
    _add(db_session, customer, meter)
    holder = make_account(db_session, supply_point=meter.supply_point)

    view = meter_service.rename_meter(
        db_session, account_id=holder.id, meter_id=meter.id, nickname="Shtëpia"
    )

    assert view.nickname == "Shtëpia" and view.is_primary
    assert db_session.get(SupplyPointClaim, meter.supply_point_id).account_id == holder.id
    assert [
        m.id for m in meter_service.list_meters(db_session, account_id=customer.account.id)
    ] == [customer.meter.id]


def test_a_deleted_account_leaves_no_claims_behind(db_session):
    customer = make_customer(db_session)
    meter = make_meter(db_session)
    _add(db_session, customer, meter)
    db_session.delete(customer.account)
    db_session.flush()
    db_session.expire_all()
    assert db_session.get(SupplyPointClaim, meter.supply_point_id) is None
    assert (
        db_session.scalars(select(AccountMeter).where(AccountMeter.meter_id == meter.id)).all()
        == []
    )


def test_nicknames_are_tidied(db_session):
    customer = make_customer(db_session)
    view = meter_service.rename_meter(
        db_session, account_id=customer.account.id, meter_id=customer.meter.id, nickname="  \t "
    )
    assert view.nickname is None


def test_a_code_registered_by_its_holder_leaves_the_other_account_at_once(client, db_session):
    from ekesco_api.bills.errors import BillNotFound
    from ekesco_api.bills.service import bill_detail
    from tests.factories import make_bill

    customer = make_customer(db_session)
    meter = make_meter(db_session)
    bill = make_bill(db_session, supply_point=meter.supply_point)
    _add(db_session, customer, meter)
    # The holder registers with that code; registration does not tidy the claim up itself.
    holder = make_account(db_session, supply_point=meter.supply_point)

    listed = meter_service.list_meters(db_session, account_id=customer.account.id)

    assert [m.id for m in listed] == [customer.meter.id]
    with pytest.raises(BillNotFound):
        bill_detail(db_session, account_id=customer.account.id, bill_id=bill.id)
    assert bill_detail(db_session, account_id=holder.id, bill_id=bill.id).id == bill.id
    # The stale claim no longer counts towards the other account's ten.
    assert meter_service._count_meters(db_session, customer.account.id) == 1
