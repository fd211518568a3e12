"""Errors of paying a bill without an account, with the contract's codes."""

from __future__ import annotations

from ekesco_api.errors import ApiError
from ekesco_api.i18n import _l


class BillUnknown(ApiError):
    # One answer whether the customer code or the bill number is wrong: which part matched is
    # exactly what someone guessing would like to learn.
    status = 404
    code = "bill_unknown"
    title = _l("No bill has this customer code and bill number. Check both on the paper bill.")
