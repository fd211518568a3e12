"""Meters on an account: list, add (at most 10, also under concurrent requests), rename, remove.

Which meters are on an account (see `account_models`): the meters of the registration's own
supply point, always, as primary; and the meters added with `POST /meters`, each on a supply
point the account has claimed. A meter that is not on the account does not exist for it: every
lookup answers `MeterNotFound` (404), never a 403 that would tell it exists elsewhere.

Changes to an account's meters lock the account's row first (`SELECT ... FOR UPDATE` on
PostgreSQL; on SQLite every transaction is `BEGIN IMMEDIATE`, which serialises writers), so the
count behind the 10-meter limit cannot change between reading it and adding to it. Two accounts
racing for one supply point are told apart by the claim's primary key: the loser's insert fails
and becomes `meter_taken`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Row,
    delete,
    exists,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.areas.models import name_in
from ekesco_api.db import after_rollback
from ekesco_api.keys import identifier_key
from ekesco_api.masking import mask_text, row_shown_unmasked
from ekesco_api.meters.account_models import AccountMeter, SupplyPointClaim
from ekesco_api.meters.errors import (
    MeterAlreadyAdded,
    MeterLimitReached,
    MeterNotFound,
    MeterTaken,
    MeterUnknown,
    PrimaryMeter,
)
from ekesco_api.meters.models import Meter, SupplyPoint, address_of
from ekesco_api.meters.ownership import (
    ACCOUNT_ID,
    HOLDER_NAME_COLUMNS,
    METER_ID,
    listing_order,
    meters_select,
    owned_meter_ids,
)

log = logging.getLogger(__name__)

MAX_METERS = 10  # per account (KESCO FAQ, "Sa njehsorë mund të shtoj")
NICKNAME_MAX = 40


@dataclass(frozen=True, slots=True)
class AreaView:
    id: int
    level: str
    name: str


@dataclass(frozen=True, slots=True)
class MeterView:
    """A meter as the account sees it; `address` is already masked when it has to be."""

    id: int
    customer_code: str
    meter_number: str
    nickname: str | None
    reading_mode: str
    category: str
    tariff_type: str
    address: str
    area: AreaView | None
    is_primary: bool
    supply_point_id: int


def meter_view(row: Row[Any], *, language: str) -> MeterView:
    """A row of `meters_select` with `HOLDER_NAME_COLUMNS` as a `MeterView`.

    The address is masked unless the account's name matches the holder of that meter's own
    supply point.
    """
    address = address_of(row.street, row.neighbourhood, row.locality, row.city)
    if not row_shown_unmasked(row):
        address = mask_text(address)
    area = None
    if row.area_id is not None:
        name = name_in(language, row.area_name, row.area_name_sr, row.area_name_en)
        area = AreaView(row.area_id, row.area_level, name)
    return MeterView(
        id=row.id,
        customer_code=row.customer_code,
        meter_number=row.meter_number,
        nickname=row.nickname,
        reading_mode=row.reading_mode,
        category=row.category,
        tariff_type=row.tariff_type,
        address=address,
        area=area,
        is_primary=bool(row.is_primary),
        supply_point_id=row.supply_point_id,
    )


_LIST_METERS = meters_select(ACCOUNT_ID, *HOLDER_NAME_COLUMNS)
_ONE_METER = _LIST_METERS.where(Meter.id == METER_ID)


def list_meters(session: Session, *, account_id: int, language: str = "sq") -> list[MeterView]:
    """The account's meters, the registration's own first (one statement)."""
    rows = session.execute(_LIST_METERS, {"account_id": account_id}).all()
    return [meter_view(row, language=language) for row in listing_order(rows)]


def get_meter(
    session: Session, *, account_id: int, meter_id: int, language: str = "sq"
) -> MeterView:
    """One meter of the account; `MeterNotFound` when it is not on it."""
    row = session.execute(_ONE_METER, {"account_id": account_id, "meter_id": meter_id}).first()
    if row is None:
        raise MeterNotFound()
    return meter_view(row, language=language)


# ---------------------------------------------------------------------------------------------
# Changing


def _lock_account(session: Session, account_id: int) -> int:
    """Lock the account's row for this transaction; returns its own supply point's id."""
    own = session.execute(
        select(Account.supply_point_id).where(Account.id == account_id).with_for_update()
    ).scalar_one_or_none()
    if own is None:
        raise MeterNotFound()  # the account is gone; nothing of it can be found
    return own


def _count_meters(session: Session, account_id: int) -> int:
    owned = owned_meter_ids(account_id).subquery()
    return int(session.execute(select(func.count()).select_from(owned)).scalar_one())


def add_meter(
    session: Session,
    *,
    account_id: int,
    customer_code: str,
    meter_number: str,
    nickname: str | None = None,
    language: str = "sq",
) -> MeterView:
    """Put a meter of another customer code on the account; both identifiers must match.

    Errors, in the order they are checked: `MeterUnknown` (no such pair in the CIS),
    `MeterAlreadyAdded`, `MeterTaken` (the code is someone's registration or another account's
    claim), `MeterLimitReached`.
    """
    own_supply_point = _lock_account(session, account_id)
    found = session.execute(
        select(Meter.id, Meter.supply_point_id)
        .join(SupplyPoint, SupplyPoint.id == Meter.supply_point_id)
        .where(
            Meter.number_key == identifier_key(meter_number),
            SupplyPoint.code_key == identifier_key(customer_code),
        )
    ).first()
    if found is None:
        raise after_rollback(session, MeterUnknown())
    meter_id, supply_point_id = found
    holder = session.execute(
        select(AccountMeter.account_id).where(AccountMeter.meter_id == meter_id)
    ).scalar_one_or_none()
    if supply_point_id == own_supply_point or holder == account_id:
        raise after_rollback(session, MeterAlreadyAdded())
    claim_holder = session.execute(
        select(SupplyPointClaim.account_id).where(
            SupplyPointClaim.supply_point_id == supply_point_id
        )
    ).scalar_one_or_none()
    registered_elsewhere = session.execute(
        select(exists().where(Account.supply_point_id == supply_point_id))
    ).scalar_one()
    if holder is not None or claim_holder not in (None, account_id) or registered_elsewhere:
        raise after_rollback(session, MeterTaken())
    if _count_meters(session, account_id) >= MAX_METERS:
        raise after_rollback(session, MeterLimitReached())
    try:
        with session.begin_nested():
            if claim_holder is None:
                session.add(
                    SupplyPointClaim(supply_point_id=supply_point_id, account_id=account_id)
                )
                session.flush()
            session.add(
                AccountMeter(
                    account_id=account_id,
                    supply_point_id=supply_point_id,
                    meter_id=meter_id,
                    nickname=_clean_nickname(nickname),
                )
            )
    except IntegrityError:
        # Another account claimed the code (or the meter) between our check and our insert;
        # our own account cannot have, its row is locked.
        raise after_rollback(session, MeterTaken()) from None
    session.commit()
    return get_meter(session, account_id=account_id, meter_id=meter_id, language=language)


def _clean_nickname(nickname: str | None) -> str | None:
    if nickname is None:
        return None
    cleaned = " ".join(nickname.split())
    return cleaned[:NICKNAME_MAX] or None


def rename_meter(
    session: Session,
    *,
    account_id: int,
    meter_id: int,
    nickname: str | None,
    language: str = "sq",
) -> MeterView:
    """Give a meter of the account a nickname (`None` or blank removes it)."""
    own_supply_point = _lock_account(session, account_id)
    current = get_meter(session, account_id=account_id, meter_id=meter_id, language=language)
    row = session.execute(
        select(AccountMeter).where(
            AccountMeter.meter_id == meter_id, AccountMeter.account_id == account_id
        )
    ).scalar_one_or_none()
    if row is None:
        # A primary meter has no row until its first nickname: claim the own supply point now.
        assert current.supply_point_id == own_supply_point
        release_supply_point(session, supply_point_id=own_supply_point, keep_account_id=account_id)
        if session.get(SupplyPointClaim, own_supply_point) is None:
            session.add(SupplyPointClaim(supply_point_id=own_supply_point, account_id=account_id))
            session.flush()
        row = AccountMeter(
            account_id=account_id, supply_point_id=own_supply_point, meter_id=meter_id
        )
        session.add(row)
    row.nickname = _clean_nickname(nickname)
    session.commit()
    return get_meter(session, account_id=account_id, meter_id=meter_id, language=language)


def remove_meter(session: Session, *, account_id: int, meter_id: int) -> None:
    """Take an added meter off the account; the registration's own meters stay (`PrimaryMeter`)."""
    own_supply_point = _lock_account(session, account_id)
    current = get_meter(session, account_id=account_id, meter_id=meter_id)
    if current.supply_point_id == own_supply_point:
        raise after_rollback(session, PrimaryMeter())
    session.execute(
        delete(AccountMeter).where(
            AccountMeter.meter_id == meter_id, AccountMeter.account_id == account_id
        )
    )
    others = session.execute(
        select(func.count())
        .select_from(AccountMeter)
        .where(
            AccountMeter.account_id == account_id,
            AccountMeter.supply_point_id == current.supply_point_id,
        )
    ).scalar_one()
    if not others:
        session.execute(
            delete(SupplyPointClaim).where(
                SupplyPointClaim.supply_point_id == current.supply_point_id,
                SupplyPointClaim.account_id == account_id,
            )
        )
    session.commit()


def release_supply_point(
    session: Session, *, supply_point_id: int, keep_account_id: int | None = None
) -> int:
    """Take a supply point off every account that added it (but `keep_account_id`).

    For when the holder registers with a code another account had added as an extra meter:
    the registered holder wins, and the other account loses that code's meters. Registration
    calls this in its own transaction; nothing is committed here. Returns the claims removed.
    """
    meters = delete(AccountMeter).where(AccountMeter.supply_point_id == supply_point_id)
    claims = delete(SupplyPointClaim).where(SupplyPointClaim.supply_point_id == supply_point_id)
    if keep_account_id is not None:
        meters = meters.where(AccountMeter.account_id != keep_account_id)
        claims = claims.where(SupplyPointClaim.account_id != keep_account_id)
    session.execute(meters)
    count = int(getattr(session.execute(claims), "rowcount", 0) or 0)
    if count:
        log.info("supply point %s released from %s other account(s)", supply_point_id, count)
    return count
