"""The account's requests and complaints in its data export, each with its history."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from ekesco_api.accounts.export import ExportContext, section
from ekesco_api.customer_requests.following import requests_of


@section("requests", order=50)
def requests(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    return requests_of(session, context.account_id)
