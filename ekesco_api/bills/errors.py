"""The errors of the bills domain, with the contract's codes."""

from __future__ import annotations

from ekesco_api.errors import NotFound
from ekesco_api.i18n import _l


class BillNotFound(NotFound):
    """A bill that is not on one of the caller's customer codes: 404 whether or not it exists."""

    title = _l("This bill is not on your account.")
