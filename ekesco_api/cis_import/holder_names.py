"""Keep `Account.name_matches_holder` true to the CIS when a supply point's holder is renamed."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.names import names_match

# Supply points per statement: a bounded IN list (SQLite caps bound parameters) that still
# keeps round trips few when an import renames many holders at once.
CHUNK = 1000


def rematch_holder_names(session: Session, supply_point_ids: Iterable[int]) -> int:
    """Recompute the flag of the accounts registered on these supply points; returns the flips.

    Compares the name each account registered with against the holder's name as stored now
    (call it after writing the new names, in the same transaction), by registration's own rule,
    `names_match`. Reads the accounts a chunk at a time and writes only the flags that change,
    at most two UPDATEs per chunk. Does not commit.
    """
    ids = sorted(set(supply_point_ids))
    flipped = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = session.connection().execute(
            select(
                Account.id,
                Account.first_name,
                Account.last_name,
                Account.name_matches_holder,
                SupplyPoint.first_name,
                SupplyPoint.last_name,
            )
            .join(SupplyPoint, SupplyPoint.id == Account.supply_point_id)
            .where(Account.supply_point_id.in_(chunk))
        )
        changed: dict[bool, list[int]] = {True: [], False: []}
        for account_id, given_first, given_last, matched, holder_first, holder_last in rows:
            matches = names_match(given_first, given_last, holder_first, holder_last)
            if matches != matched:
                changed[matches].append(account_id)
        for matches, account_ids in changed.items():
            if account_ids:
                session.execute(
                    update(Account)
                    .where(Account.id.in_(account_ids))
                    .values(name_matches_holder=matches)
                )
                flipped += len(account_ids)
    return flipped
