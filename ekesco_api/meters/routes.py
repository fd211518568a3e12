"""/meters: the account's meters (up to 10): list, add, rename, remove."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from ekesco_api.api_docs import documents
from ekesco_api.errors import ValidationFailed
from ekesco_api.extensions import db
from ekesco_api.i18n import request_language
from ekesco_api.meters import service as meter_service
from ekesco_api.meters.errors import (
    MeterAlreadyAdded,
    MeterLimitReached,
    MeterNotFound,
    MeterTaken,
    MeterUnknown,
    PrimaryMeter,
)
from ekesco_api.meters.schemas import (
    MeterAddSchema,
    MeterSchema,
    MeterUpdateSchema,
)
from ekesco_api.security.guards import current_account_id, customer_required

blp = Blueprint(
    "meters",
    __name__,
    url_prefix="/meters",
    description="The account's meters (up to 10).",
)


@blp.route("")
class MeterList(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="listMeters")
    @blp.response(200, MeterSchema(many=True))
    def get(self) -> Any:
        """The account's meters

        The meters of the customer code the account registered with come first
        (`is_primary`), then the others in the order they were added. The address is masked
        when the account's name does not match the holder's.
        """
        return meter_service.list_meters(
            db.session(), account_id=current_account_id(), language=request_language()
        )

    @customer_required(blp)
    @blp.doc(operationId="addMeter")
    @blp.arguments(MeterAddSchema)
    @blp.response(201, MeterSchema)
    @documents(
        blp, MeterUnknown, MeterLimitReached, MeterAlreadyAdded, MeterTaken, ValidationFailed
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Add a meter

        The customer code and the meter number (matched ignoring case and spaces) must name
        the same supply point in the supplier's records (`meter_unknown` otherwise). An account
        holds at most 10 meters (`meter_limit_reached`, also when several requests race); a
        customer code sits on one account only (`meter_taken`: registered by someone else, or
        added by another account).
        """
        return meter_service.add_meter(
            db.session(),
            account_id=current_account_id(),
            customer_code=data["customer_code"],
            meter_number=data["meter_number"],
            nickname=data["nickname"],
            language=request_language(),
        )


@blp.route("/<int:meter_id>")
class MeterDetail(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="getMeter")
    @blp.response(200, MeterSchema)
    @documents(blp, MeterNotFound)
    def get(self, meter_id: int) -> Any:
        """One meter of the account

        404 for a meter that is not on this account, whether or not it exists.
        """
        return meter_service.get_meter(
            db.session(),
            account_id=current_account_id(),
            meter_id=meter_id,
            language=request_language(),
        )

    @customer_required(blp)
    @blp.doc(operationId="renameMeter")
    @blp.arguments(MeterUpdateSchema)
    @blp.response(200, MeterSchema)
    @documents(blp, MeterNotFound, ValidationFailed)
    def patch(self, data: dict[str, Any], meter_id: int) -> Any:
        """Give a meter a nickname

        Any meter of the account, primary ones too; `null` or an empty string removes it.
        """
        return meter_service.rename_meter(
            db.session(),
            account_id=current_account_id(),
            meter_id=meter_id,
            nickname=data["nickname"],
            language=request_language(),
        )

    @customer_required(blp)
    @blp.doc(operationId="removeMeter")
    @blp.response(204)
    @documents(blp, MeterNotFound, PrimaryMeter)
    def delete(self, meter_id: int) -> Any:
        """Remove a meter from the account

        The meters of the customer code the account registered with stay (`primary_meter`).
        Once the last meter of a customer code is removed, another account may add it.
        """
        meter_service.remove_meter(db.session(), account_id=current_account_id(), meter_id=meter_id)
