"""The shared factories give flushed rows with unique codes and bills that add up."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from tests.factories import (
    make_area,
    make_bill,
    make_cis_payment,
    make_meter,
    make_reading,
    make_supply_point,
)


def test_supply_points_get_unique_codes_and_keys(db_session: Session) -> None:
    first = make_supply_point(db_session)
    second = make_supply_point(db_session, customer_code="dgj 0042137", category="commercial")
    assert first.id and second.id
    assert first.code_key != second.code_key
    assert second.code_key == "DGJ0042137"
    assert first.personal_number != second.personal_number


def test_meter_bill_payment_and_reading_hang_on_a_supply_point(db_session: Session) -> None:
    supply_point = make_supply_point(db_session)
    meter = make_meter(db_session, supply_point=supply_point, reading_mode="manual")
    bill = make_bill(db_session, supply_point=supply_point, period="2025-12", previous_balance=5)
    payment = make_cis_payment(db_session, supply_point=supply_point)
    reading = make_reading(db_session, meter=meter)
    assert meter.supply_point_id == supply_point.id
    assert bill.issued_on.isoformat() == "2026-01-05"
    assert bill.total == Decimal("33.88")
    assert payment.supply_point_id == supply_point.id
    assert reading.meter_id == meter.id


def test_areas_nest_city_locality_neighbourhood(db_session: Session) -> None:
    city = make_area(db_session, name="Prizren")
    locality = make_area(db_session, parent=city, name="Prizren")
    neighbourhood = make_area(db_session, parent=locality, name="Ortakoll")
    levels = [city.level, locality.level, neighbourhood.level]
    assert levels == ["city", "locality", "neighbourhood"]
    assert neighbourhood.path_key == "prizren/prizren/ortakoll"
    assert make_supply_point(db_session, area=neighbourhood).area_id == neighbourhood.id


def test_factory_areas_are_found_by_the_import(db_session: Session) -> None:
    from ekesco_api.cis_import.queries import area_for

    city = make_area(db_session, name="Gjakovë")
    locality = make_area(db_session, parent=city, name="Gjakovë")
    neighbourhood = make_area(db_session, parent=locality, name="Çarshia e Madhe")
    assert area_for(db_session, "GJAKOVE", "Gjakovë", "Carshia e Madhe") is neighbourhood
