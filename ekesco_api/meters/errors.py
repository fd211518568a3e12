"""The errors of the meters domain, with the contract's codes."""

from __future__ import annotations

from ekesco_api.errors import ApiError
from ekesco_api.i18n import _l


class MeterNotFound(ApiError):
    """A meter that is not on the caller's account: 404 whether or not it exists elsewhere."""

    status = 404
    code = "not_found"
    title = _l("This meter is not on your account.")


class MeterUnknown(ApiError):
    status = 404
    code = "meter_unknown"
    title = _l("No meter with this number belongs to this customer code.")


class MeterLimitReached(ApiError):
    status = 409
    code = "meter_limit_reached"
    title = _l("An account can hold at most 10 meters. Remove one before adding another.")


class MeterAlreadyAdded(ApiError):
    status = 409
    code = "meter_already_added"
    title = _l("This meter is already on your account.")


class MeterTaken(ApiError):
    status = 409
    code = "meter_taken"
    title = _l(
        "This customer code is on another eKesco account. The holder can remove it there, "
        "or KESCO support can help."
    )


class PrimaryMeter(ApiError):
    status = 409
    code = "primary_meter"
    title = _l("The meter of the customer code you registered with cannot be removed.")
