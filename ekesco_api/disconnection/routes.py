"""The customer's disconnection endpoints under /meters/{id}: the case, an objection, a payment
agreement, a reconnection."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from ekesco_api.api_docs import documents
from ekesco_api.disconnection import agreements, customer
from ekesco_api.disconnection.errors import (
    AgreementExists,
    AgreementNotFound,
    BillDisputed,
    BillUnknown,
    DebtOutstanding,
    NoDebt,
    NoDisconnectionPending,
    NotDisconnected,
    ObjectionOpen,
)
from ekesco_api.disconnection.schemas import (
    AgreementCreateSchema,
    AgreementSchema,
    CaseSchema,
    ObjectionCreatedSchema,
    ObjectionCreateSchema,
    ReconnectionSchema,
)
from ekesco_api.errors import ValidationFailed
from ekesco_api.extensions import db
from ekesco_api.meters.errors import MeterNotFound
from ekesco_api.security.guards import current_account_id, customer_required
from ekesco_api.types import utcnow

blp = Blueprint(
    "disconnection",
    __name__,
    url_prefix="/meters",
    description="The ERO rule on disconnection and reconnection: a supply point's case, the "
    "customer's objection, payment agreements and reconnection.",
)


@blp.route("/<int:meter_id>/disconnection")
class DisconnectionCaseView(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="getDisconnectionCase")
    @blp.response(200, CaseSchema)
    @documents(blp, MeterNotFound)
    def get(self, meter_id: int) -> Any:
        """Where a disconnection case of the meter's customer code stands

        `state` is `none` without a case (or once one ended without a disconnection), else the
        stage of the procedure, or `suspended` while something the rule names stands
        (`suspended_by`: a covering payment, an active payment agreement, a disputed bill, an
        objection, a medical certificate). The deadlines are computed by the service on the
        Kosovo clock; `notices` show when each was shown received (opened in the app's inbox,
        or confirmed by KESCO staff).
        """
        session = db.session()
        point = customer.supply_point_of(
            session, account_id=current_account_id(), meter_id=meter_id
        )
        return customer.view_case(session, point=point, now=utcnow())


@blp.route("/<int:meter_id>/disconnection/objection")
class DisconnectionObjection(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="objectToDisconnection")
    @blp.arguments(ObjectionCreateSchema)
    @blp.response(201, ObjectionCreatedSchema)
    @documents(
        blp,
        MeterNotFound,
        NoDisconnectionPending,
        ObjectionOpen,
        BillUnknown,
        BillDisputed,
        ValidationFailed,
    )
    def post(self, data: dict[str, Any], meter_id: int) -> Any:
        """Object in writing (Art. 19.1)

        The case is suspended until KESCO decides. With `bill_id` that bill is disputed
        (Art. 19.4): meanwhile the undisputed amount is due (Art. 19.5: the average of the
        earlier undisputed bills of 6 months, or of 3 when supply began less than 12 months
        before the bill), and the balance shows it. Against a disconnection already carried
        out, the objection makes reconnection due within 48 hours of it (Art. 25.2).
        """
        return customer.object_to_case(
            db.session(),
            account_id=current_account_id(),
            meter_id=meter_id,
            reason=data["reason"],
            bill_id=data["bill_id"],
            now=utcnow(),
        )


@blp.route("/<int:meter_id>/payment-agreement")
class PaymentAgreementView(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="proposePaymentAgreement")
    @blp.arguments(AgreementCreateSchema)
    @blp.response(201, AgreementSchema)
    @documents(blp, MeterNotFound, NoDebt, AgreementExists, BillDisputed, ValidationFailed)
    def post(self, data: dict[str, Any], meter_id: int) -> Any:
        """Propose a payment agreement

        The outstanding debt in 2 to 12 monthly installments, the first due today. Paying the
        first (in the app or anywhere the CIS records) puts it in force and suspends a
        disconnection case (Art. 25.1); payments count towards the installments in order.
        An installment not paid by the end of its day breaks the agreement and starts a new
        warning (Art. 16.1a).
        """
        return agreements.propose(
            db.session(),
            account_id=current_account_id(),
            meter_id=meter_id,
            installments=data["installments"],
            now=utcnow(),
        )

    @customer_required(blp)
    @blp.doc(operationId="getPaymentAgreement")
    @blp.response(200, AgreementSchema)
    @documents(blp, MeterNotFound, AgreementNotFound)
    def get(self, meter_id: int) -> Any:
        """The latest payment agreement, with what is paid of each installment"""
        return agreements.current(
            db.session(), account_id=current_account_id(), meter_id=meter_id, now=utcnow()
        )


@blp.route("/<int:meter_id>/reconnection")
class Reconnection(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="requestReconnection")
    @blp.response(201, ReconnectionSchema)
    @blp.alt_response(200, schema=ReconnectionSchema, description="Already requested.")
    @documents(blp, MeterNotFound, NotDisconnected, DebtOutstanding)
    def post(self, meter_id: int) -> Any:
        """Ask to be reconnected

        Once the cause is cleared: the debt paid, a payment agreement in force, or an objection
        upheld or still open (contested in writing, Art. 25.2). `due_by` is 24 hours from the
        request, or 48 hours from the disconnection when it was contested in writing, whichever
        is sooner; `fee` is Annex 1's. Asking again answers 200 with the same reference.
        """
        answer, created = customer.request_reconnection(
            db.session(), account_id=current_account_id(), meter_id=meter_id, now=utcnow()
        )
        return answer, 201 if created else 200
