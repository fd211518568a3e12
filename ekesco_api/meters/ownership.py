"""Which meters and supply points are on an account: the statements every listing builds on.

An account has the meters of the supply point it registered with (always, as primary) and the
meters it added with POST /meters, each on a supply point it claimed. A code another account
registered with is no longer on this one, even before the stale claim is tidied away. Bills,
balances, payments and the meters listing all ask these statements, so the rule is one place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Exists

from ekesco_api.accounts.models import STATUS_ACTIVE, Account
from ekesco_api.areas.models import Area
from ekesco_api.meters.account_models import AccountMeter, SupplyPointClaim
from ekesco_api.meters.models import Meter, SupplyPoint

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
R = TypeVar("R")


AccountId = int | BindParameter[int]
# Statements built once with these placeholders skip SQLAlchemy's construction work per request.
ACCOUNT_ID: BindParameter[int] = bindparam("account_id", type_=Integer)
METER_ID: BindParameter[int] = bindparam("meter_id", type_=Integer)


def _registered_elsewhere(supply_point_id: Any, account_id: Any) -> Exists:
    # The registered holder wins: a code another account registered with is no longer on
    # this one, even before `release_supply_point` has tidied the stale claim away.
    other = aliased(Account)
    return exists().where(other.supply_point_id == supply_point_id, other.id != account_id)


def owned_meter_ids(account_id: AccountId) -> Select[tuple[int]]:
    """The ids of the meters on an account: its own supply point's and those it added."""
    own = (
        select(Meter.id)
        .join(Account, Account.supply_point_id == Meter.supply_point_id)
        .where(Account.id == account_id)
    )
    added = select(AccountMeter.meter_id).where(
        AccountMeter.account_id == account_id,
        ~_registered_elsewhere(AccountMeter.supply_point_id, account_id),
    )
    return select(union(own, added).subquery().c[0])


def account_supply_point_ids(account_id: AccountId) -> Select[tuple[int]]:
    """The supply points an account may see bills of: its own and those it has claimed."""
    own = select(Account.supply_point_id).where(Account.id == account_id)
    claimed = select(SupplyPointClaim.supply_point_id).where(
        SupplyPointClaim.account_id == account_id,
        ~_registered_elsewhere(SupplyPointClaim.supply_point_id, account_id),
    )
    return select(union(own, claimed).subquery().c[0])


# (`id`, `customer_code`) of the supply points an account may see bills of, built once: run it
# with {"account_id": ...}. Ten at most.
ACCOUNT_CODES = (
    select(SupplyPoint.id, SupplyPoint.customer_code)
    .where(SupplyPoint.id.in_(account_supply_point_ids(ACCOUNT_ID)))
    .order_by(SupplyPoint.id)
)


def supply_point_holders() -> CompoundSelect:
    """(`supply_point_id`, `account_id`) of every code on an active account: the account
    registered on it, or else the one account that added it. For news about a code's bills,
    set-based: join it on the supply point."""
    registered = select(
        Account.supply_point_id.label("supply_point_id"), Account.id.label("account_id")
    ).where(Account.status == STATUS_ACTIVE)
    claimed = (
        select(SupplyPointClaim.supply_point_id, SupplyPointClaim.account_id)
        .join(Account, Account.id == SupplyPointClaim.account_id)
        .where(
            Account.status == STATUS_ACTIVE,
            ~_registered_elsewhere(SupplyPointClaim.supply_point_id, SupplyPointClaim.account_id),
        )
    )
    return union_all(registered, claimed)


# The columns every meter listing reads: plain columns, no entities to build and track. The
# first ones name a meter and put it in its place in the list (`listing_order`).
METER_KEY_COLUMNS = (
    Meter.id,
    Meter.meter_number,
    Meter.reading_mode,
    Meter.supply_point_id,
    SupplyPoint.customer_code,
    AccountMeter.nickname,
    AccountMeter.added_at,
    (Meter.supply_point_id == Account.supply_point_id).label("is_primary"),
)
METER_COLUMNS = (
    *METER_KEY_COLUMNS,
    Meter.tariff_type,
    SupplyPoint.category,
    SupplyPoint.street,
    SupplyPoint.neighbourhood,
    SupplyPoint.locality,
    SupplyPoint.city,
    Area.id.label("area_id"),
    Area.level.label("area_level"),
    Area.name.label("area_name"),
    Area.name_sr.label("area_name_sr"),
    Area.name_en.label("area_name_en"),
    Account.name_matches_holder,
)
# With `is_primary` and `name_matches_holder`, what masking is decided by (`row_shown_unmasked`):
# the account's flag speaks for its own code only, not for a code added with POST /meters.
HOLDER_NAME_COLUMNS = (
    Account.first_name.label("given_first_name"),
    Account.last_name.label("given_last_name"),
    SupplyPoint.first_name.label("holder_first_name"),
    SupplyPoint.last_name.label("holder_last_name"),
)


def meters_select(
    account_id: AccountId, *columns: Any, keys_only: bool = False
) -> Select[*tuple[Any, ...]]:
    """One statement for the meters on an account, with `columns` added (e.g. a bill's).

    Give `ACCOUNT_ID` for a statement to build once and run with `{"account_id": ...}`.
    `keys_only` reads only `METER_KEY_COLUMNS`, without the address and the area: the balance
    shows neither, and reads its meters on every start of the app.
    """
    owned = owned_meter_ids(account_id).subquery("owned")
    statement = (
        select(*(METER_KEY_COLUMNS if keys_only else METER_COLUMNS), *columns)
        .select_from(owned)
        .join(Meter, Meter.id == owned.c[0])
        .join(SupplyPoint, SupplyPoint.id == Meter.supply_point_id)
        .join(Account, Account.id == account_id)
    )
    if not keys_only:
        statement = statement.outerjoin(Area, Area.id == SupplyPoint.area_id)
    return statement.outerjoin(
        AccountMeter,
        and_(AccountMeter.meter_id == Meter.id, AccountMeter.account_id == account_id),
    )


def listing_order(rows: Sequence[R]) -> list[R]:
    """The registration's own meters first, then the others in the order they were added.

    Rows of any shape with `id`, `is_primary` and `added_at`."""
    return sorted(rows, key=_listing_key)


def _listing_key(row: Any) -> tuple[int, dt.datetime, int]:
    if row.is_primary:
        return 0, _EPOCH, row.id
    return 1, row.added_at or _EPOCH, row.id
