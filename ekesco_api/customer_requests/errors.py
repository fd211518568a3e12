"""The errors of requests and complaints, with the contract's codes."""

from __future__ import annotations

from ekesco_api.errors import ApiError
from ekesco_api.i18n import _l


class MeterNotFound(ApiError):
    """A meter that is not on the caller's account: the same answer whether or not it exists."""

    status = 404
    code = "meter_not_found"
    title = _l("This meter is not on your account.")


class RequestNotFound(ApiError):
    status = 404
    code = "not_found"
    title = _l("No request with this reference.")


class RequestClosed(ApiError):
    status = 409
    code = "request_closed"
    title = _l("This request is already resolved or rejected and can no longer change.")


class RequestChanged(ApiError):
    status = 409
    code = "request_changed"
    title = _l(
        "Someone else changed this request since you opened it. Open it again to see what "
        "changed, then decide."
    )


class DailyLimitReached(ApiError):
    """Past the filings a day an account may make; `Retry-After` is the next local midnight."""

    status = 429
    code = "request_limit_reached"
    title = _l(
        "You have filed as many requests today as one account can. You can file more "
        "tomorrow, or call KESCO's call centre if it is urgent."
    )

    def __init__(self, *, retry_after: int, limit: int) -> None:
        super().__init__(
            headers={"Retry-After": str(retry_after)},
            extra={"retry_after": retry_after, "limit": limit},
        )
