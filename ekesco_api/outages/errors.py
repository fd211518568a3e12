"""The errors of the outages domain, with the contract's codes."""

from __future__ import annotations

from ekesco_api.errors import ApiError
from ekesco_api.i18n import _l


class NoticeTooShort(ApiError):
    status = 422
    code = "notice_too_short"
    title = _l("A planned outage must be announced at least 24 hours before it starts.")


class EndsBeforeStart(ApiError):
    status = 422
    code = "ends_before_start"
    title = _l("An outage must end after it starts.")


class AreaUnknown(ApiError):
    status = 422
    code = "area_unknown"
    title = _l("One or more of these areas do not exist.")


class OutageNotFound(ApiError):
    status = 404
    code = "not_found"
    title = _l("No outage with this id.")


class OutageClosed(ApiError):
    status = 409
    code = "outage_closed"
    title = _l("This outage is cancelled or over and can no longer be changed.")
