"""Errors of the tariffs domain."""

from __future__ import annotations

from ekesco_api.errors import ApiError
from ekesco_api.i18n import _l


class TariffNotFound(ApiError):
    status = 404
    code = "tariff_not_found"
    title = _l("No tariff is in force on that date.")
