"""The errors of the notifications domain, with the contract's codes."""

from __future__ import annotations

from ekesco_api.errors import ApiError
from ekesco_api.i18n import _l


class NotificationNotFound(ApiError):
    status = 404
    code = "not_found"
    title = _l("No such notification in your inbox.")
