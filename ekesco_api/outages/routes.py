"""Areas, outages (public, the customer's own, the dispatchers'), subscriptions, devices, inbox."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, Page

from ekesco_api.api_docs import documents
from ekesco_api.db import SelectPage
from ekesco_api.errors import ValidationFailed
from ekesco_api.extensions import db
from ekesco_api.i18n import request_language
from ekesco_api.outages import ics
from ekesco_api.outages import service as outage_service
from ekesco_api.outages.errors import (
    AreaUnknown,
    EndsBeforeStart,
    NoticeTooShort,
    OutageClosed,
    OutageNotFound,
)
from ekesco_api.outages.schemas import (
    CalendarQuerySchema,
    OutageChangeSchema,
    OutageCreateSchema,
    OutageQuerySchema,
    OutageSchema,
    SubscriptionsSchema,
)
from ekesco_api.security.guards import (
    current_account_id,
    current_staff_id,
    customer_required,
    staff_required,
)
from ekesco_api.types import utcnow

outages_blp = Blueprint(
    "outages", __name__, url_prefix="/outages", description="Planned and unplanned outages."
)
me_blp = Blueprint(
    "me-outages",
    __name__,
    url_prefix="/me",
    description="The customer's outages and the areas and channels they follow.",
)
staff_blp = Blueprint(
    "staff-outages",
    __name__,
    url_prefix="/staff/outages",
    description="Dispatchers announce, reschedule and cancel outages.",
)


def _filters(query: dict[str, Any]) -> dict[str, Any]:
    """`find_outages`' filters from an OutageQuerySchema query (GET /outages, /me/outages)."""
    return {
        "area_id": query.get("area_id"),
        "start": query.get("from_"),
        "end": query.get("to"),
        "status": query.get("status"),
    }


@outages_blp.route("")
class Outages(MethodView):
    @outages_blp.doc(operationId="listOutages")
    @outages_blp.arguments(OutageQuerySchema, location="query")
    @outages_blp.response(200, OutageSchema(many=True))
    @outages_blp.paginate(Page, page_size=50, max_page_size=200)
    @documents(outages_blp, ValidationFailed)
    def get(self, query: dict[str, Any]) -> Any:
        """Outages, public

        By default those not over yet, soonest first (cancelled ones stay listed, with
        `status: cancelled`). `status=completed` is the history, newest first; `from`/`to`
        pick every outage overlapping that window. `area_id` gives the outages of an area,
        of the areas above it (they cover it) and of those below it.
        """
        return SelectPage(
            db.session(),
            outage_service.find_outages(db.session(), **_filters(query)),
        )


@outages_blp.route("/calendar.ics")
class OutageCalendar(MethodView):
    @outages_blp.doc(
        operationId="outageCalendar",
        responses={
            "200": {
                "description": "An iCalendar feed",
                "content": {"text/calendar": {"schema": {"type": "string"}}},
            }
        },
    )
    @outages_blp.arguments(CalendarQuerySchema, location="query")
    @documents(outages_blp, ValidationFailed)
    def get(self, query: dict[str, Any]) -> Any:
        """The outages as an iCalendar feed

        Upcoming outages and those of the last 90 days, per `area_id` if given. Each outage
        keeps its UID; a reschedule raises its SEQUENCE, a cancellation marks it
        `STATUS:CANCELLED`. Texts in the request's language.
        """
        now = utcnow()
        outages = outage_service.feed_outages(db.session(), area_id=query.get("area_id"), now=now)
        body = ics.calendar(outages, code=request_language(), now=now)
        response = Response(body, mimetype="text/calendar")
        response.headers["Content-Disposition"] = 'inline; filename="outages.ics"'
        response.headers["Cache-Control"] = "public, max-age=300"
        return response


@me_blp.route("/outages")
class MyOutages(MethodView):
    @customer_required(me_blp)
    @me_blp.doc(operationId="listMyOutages")
    @me_blp.arguments(OutageQuerySchema, location="query")
    @me_blp.response(200, OutageSchema(many=True))
    @me_blp.paginate(Page, page_size=50, max_page_size=200)
    @documents(me_blp, ValidationFailed)
    def get(self, query: dict[str, Any]) -> Any:
        """Outages touching the customer's meters or followed areas

        The same filters as `GET /outages`.
        """
        session = db.session()
        areas = outage_service.account_area_ids(session, current_account_id())
        return SelectPage(
            session,
            outage_service.find_outages(session, area_ids=areas, **_filters(query)),
        )


@me_blp.route("/subscriptions")
class MySubscriptions(MethodView):
    @customer_required(me_blp)
    @me_blp.doc(operationId="getMySubscriptions")
    @me_blp.response(200, SubscriptionsSchema)
    def get(self) -> Any:
        """Areas followed and channels chosen

        The areas of the account's meters are followed in the app inbox without asking
        (`meter_area_ids`); `area_ids` are the ones added; `channels` add push, SMS or e-mail.
        """
        return outage_service.get_subscriptions(db.session(), account_id=current_account_id())

    @customer_required(me_blp)
    @me_blp.doc(operationId="putMySubscriptions")
    @me_blp.arguments(SubscriptionsSchema)
    @me_blp.response(200, SubscriptionsSchema)
    @documents(me_blp, AreaUnknown, ValidationFailed)
    def put(self, data: dict[str, Any]) -> Any:
        """Choose the areas to follow and the channels

        Replaces both lists. Push needs a device (`POST /me/devices`).
        """
        return outage_service.put_subscriptions(
            db.session(),
            account_id=current_account_id(),
            area_ids=data["area_ids"],
            channels=data["channels"],
        )


@staff_blp.route("")
class StaffOutages(MethodView):
    @staff_required(staff_blp, "dispatcher")
    @staff_blp.doc(operationId="createOutage")
    @staff_blp.arguments(OutageCreateSchema)
    @staff_blp.response(201, OutageSchema)
    @documents(staff_blp, NoticeTooShort, EndsBeforeStart, AreaUnknown, ValidationFailed)
    def post(self, data: dict[str, Any]) -> Any:
        """Announce an outage

        A `planned` outage must start at least 24 hours ahead on the local (Europe/Belgrade)
        clock; an `unplanned` one may start now. Each area covers its children. Every
        affected account is notified in the same transaction, in its own language: the app
        inbox, plus push, SMS or e-mail as it chose.
        """
        return outage_service.create_outage(
            db.session(),
            kind=data["kind"],
            area_ids=data["area_ids"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            reason=data["reason"],
            staff_id=current_staff_id(),
        )


@staff_blp.route("/<int:outage_id>")
class StaffOutage(MethodView):
    @staff_required(staff_blp, "dispatcher")
    @staff_blp.doc(operationId="changeOutage")
    @staff_blp.arguments(OutageChangeSchema)
    @staff_blp.response(200, OutageSchema)
    @documents(
        staff_blp, OutageNotFound, OutageClosed, NoticeTooShort, EndsBeforeStart, ValidationFailed
    )
    def patch(self, data: dict[str, Any], outage_id: int) -> Any:
        """Reschedule, reword or cancel an outage

        New `starts_at`/`ends_at` reschedule it (status `rescheduled`; a planned outage's new
        start needs 24 hours' notice again); `{"status": "cancelled"}` alone cancels it. Both
        notify every affected account. A cancelled or finished outage answers 409.
        """
        return outage_service.change_outage(db.session(), outage_id=outage_id, changes=data)
