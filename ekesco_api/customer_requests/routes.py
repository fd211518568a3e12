"""/requests for customers, /staff/requests for support agents (the console's Requests view)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint, Page

from ekesco_api.api_docs import documents
from ekesco_api.customer_requests import filing, following, handling
from ekesco_api.customer_requests.errors import (
    DailyLimitReached,
    MeterNotFound,
    RequestChanged,
    RequestClosed,
    RequestNotFound,
)
from ekesco_api.customer_requests.schemas import (
    RequestCreateSchema,
    RequestSchema,
    RequestSummarySchema,
    StaffRequestChangeSchema,
    StaffRequestDetailSchema,
    StaffRequestQuerySchema,
    StaffRequestSchema,
)
from ekesco_api.db import SelectPage
from ekesco_api.errors import ValidationFailed
from ekesco_api.extensions import db
from ekesco_api.security.guards import current_account_id, customer_required, staff_required
from ekesco_api.spec_plugin import header_ref
from ekesco_api.staff.actors import current_actor
from ekesco_api.staff.models import ROLE_SUPPORT

blp = Blueprint(
    "requests",
    __name__,
    url_prefix="/requests",
    description="Requests, complaints, suggestions and compliments: filed and followed by "
    "reference.",
)
staff_blp = Blueprint(
    "staff-requests",
    __name__,
    url_prefix="/staff/requests",
    description="Support works the customers' requests and complaints.",
)


@blp.route("")
class Requests(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="fileRequest")
    @blp.arguments(RequestCreateSchema)
    @blp.response(201, RequestSchema, headers={"Location": header_ref("LOCATION")})
    @documents(blp, MeterNotFound, DailyLimitReached, ValidationFailed)
    def post(self, data: dict[str, Any]) -> Any:
        """File a request, complaint, suggestion or compliment

        Answers its reference (`KS-2026-000123`: in sequence within the year on the Kosovo
        clock, never given twice) and status `received`. A receipt naming the reference goes
        to the inbox and to the channels the account chose (push, SMS, e-mail; without any,
        push to its devices or else e-mail), in the account's language. `meter_id` must be one
        of the account's meters (404 `meter_not_found` otherwise). At most `REQUESTS_PER_DAY`
        (20) filings per account and Kosovo day: past that, 429 `request_limit_reached` with
        `Retry-After` (seconds to local midnight). The `X-RateLimit-*` headers say how many are
        left today and when the count starts again.
        """
        filed = filing.file_request(db.session(), account_id=current_account_id(), **data)
        headers = {"Location": f"{request.base_url}/{filed.request.reference}"}
        if filed.quota is not None:
            headers.update(filed.quota.headers())
        return filed.request, headers

    @customer_required(blp)
    @blp.doc(operationId="listRequests")
    @blp.response(200, RequestSummarySchema(many=True))
    @blp.paginate(Page, page_size=20, max_page_size=100)
    def get(self) -> Any:
        """The account's requests, newest first

        Without their history: `GET /requests/{reference}` has it.
        """
        session = db.session()
        return SelectPage(session, following.my_requests(current_account_id()))


@blp.route("/<string:reference>")
class RequestByReference(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="getRequest")
    @blp.response(200, RequestSchema)
    @documents(blp, RequestNotFound)
    def get(self, reference: str) -> Any:
        """One of the account's requests, with its history

        The reference is matched ignoring case (`ks-2026-000123`). The history lists the
        filing, every move and every reply, oldest first. Another account's reference answers
        404, like one that does not exist.
        """
        return following.my_request(
            db.session(), account_id=current_account_id(), reference=reference
        )


@staff_blp.route("")
class RequestQueue(MethodView):
    @staff_required(staff_blp, ROLE_SUPPORT)
    @staff_blp.doc(operationId="listStaffRequests")
    @staff_blp.arguments(StaffRequestQuerySchema, location="query")
    @staff_blp.response(200, StaffRequestSchema(many=True))
    @staff_blp.paginate(Page, page_size=50, max_page_size=200)
    @documents(staff_blp, ValidationFailed)
    def get(self, query: dict[str, Any]) -> Any:
        """The requests queue (support)

        Open requests (`received`, `in_progress`) first, oldest first; then closed ones,
        newest first. Filters: `status`, `kind`, `topic`, `customer_code` (the account's code
        or the code of the meter named, ignoring case and spaces). Each carries the customer
        code, the account (`account_id`, `customer_name`; none once the account was deleted)
        and its `version`.
        """
        return SelectPage(db.session(), handling.request_queue(**query))


@staff_blp.route("/<string:reference>")
class QueuedRequest(MethodView):
    writes_on_get = True  # the view shows contact data and is audited (see db.py)

    @staff_required(staff_blp, ROLE_SUPPORT)
    @staff_blp.doc(operationId="getStaffRequest")
    @staff_blp.response(200, StaffRequestDetailSchema)
    @documents(staff_blp, RequestNotFound)
    def get(self, reference: str) -> Any:
        """One request with the customer and its history (support)

        `customer` holds the account's contact data; for topics `data_update` and
        `wrong_payment_code`, `account_data` holds what the account and the CIS hold about
        the customer and `last_payments` the last card payments and CIS payments, so the
        agent can answer without another look-up. Each view is audited (`request_view`).
        """
        return handling.view_request(db.session(), actor=current_actor(), reference=reference)

    @staff_required(staff_blp, ROLE_SUPPORT)
    @staff_blp.doc(operationId="changeStaffRequest")
    @staff_blp.arguments(StaffRequestChangeSchema)
    @staff_blp.response(200, StaffRequestDetailSchema)
    @documents(staff_blp, RequestNotFound, RequestClosed, RequestChanged, ValidationFailed)
    def patch(self, data: dict[str, Any], reference: str) -> Any:
        """Take, answer, resolve or reject a request (support)

        `received → in_progress → resolved | rejected`, also straight from `received`;
        `in_progress` again is a reply. `note` is what the customer reads: it joins the
        history and reaches them in their language (inbox and their channels). A resolved or
        rejected request answers 409 `request_closed`. Send `version` as last read: when a
        colleague moved or answered the request since, the answer is 409 `request_changed`
        and nothing changes; two agents acting at once, one wins and the other gets 409.
        Every change, and every refusal, is audited (`request_update`).
        """
        return handling.change_request(
            db.session(),
            actor=current_actor(),
            reference=reference,
            status=data["status"],
            note=data["note"],
            version=data.get("version"),
        )
