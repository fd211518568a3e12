"""GET /meters/{id}/readings: a meter's reads and consumption."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from ekesco_api.api_docs import documents
from ekesco_api.extensions import db
from ekesco_api.i18n import request_language
from ekesco_api.meters.errors import MeterNotFound
from ekesco_api.readings import service as reading_service
from ekesco_api.readings.schemas import ReadingsSchema
from ekesco_api.security.guards import current_account_id, customer_required

blp = Blueprint(
    "readings",
    __name__,
    url_prefix="",
    description="What a meter says: register reads, the unbilled consumption, billed months.",
)


@blp.route("/meters/<int:meter_id>/readings")
class MeterReadings(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="getMeterReadings")
    @blp.response(200, ReadingsSchema)
    @documents(blp, MeterNotFound)
    def get(self, meter_id: int) -> Any:
        """Reads and consumption of a meter

        Remote meters: the recent register reads (high and low running totals, newest first)
        and `current`, the consumption since the last bill with an estimate of its cost.
        Manual (SOND) meters are read by hand once a month: `reads` is empty, `current` is
        null and `note` says why. Both show `monthly`, the billed consumption per month.
        """
        return reading_service.meter_readings(
            db.session(),
            account_id=current_account_id(),
            meter_id=meter_id,
            language=request_language(),
        )
