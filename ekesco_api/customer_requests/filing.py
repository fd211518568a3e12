"""Filing a request or complaint: the daily limit, the meter check, the reference, the receipt.

The daily limit is a counted query, not Flask-Limiter: the count is taken under the account's
row lock in the transaction that files, so 21 filings racing each other still make 20; only
filings that were accepted count (a 422 for a typo costs nothing); the day is Kosovo's calendar
day, the same as the reference's year, and the answer's `Retry-After` is the next local
midnight; and it holds on every worker and across restarts without depending on where the
limiter keeps its counters (`memory://` is per process).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.clock import local_date, local_midnight
from ekesco_api.customer_requests.errors import DailyLimitReached, MeterNotFound
from ekesco_api.customer_requests.messages import send_receipt
from ekesco_api.customer_requests.models import STATUS_RECEIVED, CustomerRequest, RequestEvent
from ekesco_api.customer_requests.references import next_reference
from ekesco_api.db import after_rollback
from ekesco_api.keys import identifier_key
from ekesco_api.meters.ownership import owned_meter_ids
from ekesco_api.security.errors import TokenRevoked
from ekesco_api.types import utcnow

DEFAULT_PER_DAY = 20


def daily_limit() -> int | None:
    """Filings a day per account (`REQUESTS_PER_DAY`); None when abuse limits are off."""
    if not has_app_context():
        return DEFAULT_PER_DAY
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    return int(current_app.config.get("REQUESTS_PER_DAY", DEFAULT_PER_DAY))


@dataclass(frozen=True)
class DailyQuota:
    """Where the account stands against the daily limit, as the `X-RateLimit-*` headers say it
    (the same headers Flask-Limiter writes elsewhere, so clients read one convention)."""

    limit: int
    used: int
    resets_at: dt.datetime

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.limit - self.used, 0)),
            "X-RateLimit-Reset": str(math.ceil(self.resets_at.timestamp())),
        }


@dataclass(frozen=True)
class Filed:
    request: CustomerRequest
    quota: DailyQuota | None  # None when the limits are off


def _check_daily_limit(
    session: Session, account_id: int, now: dt.datetime, limit: int
) -> DailyQuota:
    """The quota with this filing counted; refuses (429) when the day's filings are used up."""
    today = local_date(now)
    filed = session.scalar(
        select(func.count())
        .select_from(CustomerRequest)
        .where(
            CustomerRequest.account_id == account_id,
            CustomerRequest.created_at >= local_midnight(today),
        )
    )
    tomorrow = local_midnight(today + dt.timedelta(days=1))
    quota = DailyQuota(limit=limit, used=(filed or 0) + 1, resets_at=tomorrow)
    if quota.used > limit:
        wait = max(1, math.ceil((tomorrow - now).total_seconds()))
        refusal = DailyLimitReached(retry_after=wait, limit=limit)
        refusal.headers.update(quota.headers())
        raise after_rollback(session, refusal)
    return quota


def file_request(
    session: Session,
    *,
    account_id: int,
    kind: str,
    topic: str,
    description: str,
    meter_id: int | None = None,
    now: dt.datetime | None = None,
    limit: int | None = None,
) -> Filed:
    """File one submission for the account and send its receipt; commits.

    `limit` defaults to `daily_limit()`. Refusals (404 `meter_not_found`, 429) write nothing.
    """
    instant = now or utcnow()
    per_day = daily_limit() if limit is None else limit
    # The account's row lock makes the count and the insert one step for this account.
    account = session.scalars(
        select(Account).where(Account.id == account_id).with_for_update()
    ).one_or_none()
    if account is None:
        raise after_rollback(session, TokenRevoked())  # deleted while its token lived
    quota = None if per_day is None else _check_daily_limit(session, account_id, instant, per_day)
    if meter_id is not None:
        owned = owned_meter_ids(account_id).subquery()
        if session.scalar(select(owned.c[0]).where(owned.c[0] == meter_id)) is None:
            raise after_rollback(session, MeterNotFound())
    code = account.supply_point.customer_code
    request = CustomerRequest(
        reference=next_reference(session, now=instant),
        account_id=account_id,
        customer_code=code,
        code_key=identifier_key(code),
        kind=kind,
        topic=topic,
        meter_id=meter_id,
        description=description,
        status=STATUS_RECEIVED,
        version=1,
        created_at=instant,
        updated_at=instant,
    )
    request.events.append(RequestEvent(status=STATUS_RECEIVED, at=instant))
    session.add(request)
    send_receipt(session, account, reference=request.reference, kind=kind, topic=topic)
    session.commit()
    return Filed(request, quota)
