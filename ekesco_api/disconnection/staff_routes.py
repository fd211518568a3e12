"""Support's disconnection endpoints: the cases, medical certificates, objections decided,
notices to confirm, refused CIS events; and the admin's report for the regulator (Art. 29)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, Page
from sqlalchemy import Select

from ekesco_api.api_docs import documents
from ekesco_api.db import SelectPage
from ekesco_api.disconnection import report, staff
from ekesco_api.disconnection.errors import (
    CaseNotFound,
    CaseNotPending,
    MedicalCertificateRecorded,
    NoticeNotFound,
    NoticeReceived,
    ObjectionClosed,
    ObjectionNotFound,
    ReceivedBeforeSent,
)
from ekesco_api.disconnection.refusals import refusal_message
from ekesco_api.disconnection.schemas import (
    MedicalCertificateRecordedSchema,
    MedicalCertificateSchema,
    ObjectionDecisionSchema,
    ObjectionSchema,
    ReceiptRecordedSchema,
    ReceiptSchema,
    RefusedEventSchema,
    ReportQuerySchema,
    StaffCaseQuerySchema,
    StaffCaseSchema,
    UnconfirmedNoticeSchema,
)
from ekesco_api.errors import ValidationFailed
from ekesco_api.extensions import db
from ekesco_api.i18n import request_language
from ekesco_api.security.guards import staff_required
from ekesco_api.staff.actors import current_actor
from ekesco_api.types import utcnow

blp = Blueprint(
    "staff-disconnections",
    __name__,
    url_prefix="/staff",
    description="Support follows disconnection cases by the ERO rule; admins report them.",
)


class _CasePage(SelectPage):
    """Cases as the list shows them: each with its customer code and open objection."""

    def rows(self, page: Select[Any]) -> list[Any]:
        return staff.case_rows(self.session, self.session.execute(page).all(), utcnow())


class _NoticePage(SelectPage):
    """Notices to phone, each with the customer's name, phone and e-mail."""

    def rows(self, page: Select[Any]) -> list[Any]:
        return [
            {**row._asdict(), "holder_name": f"{row.first_name} {row.last_name}"}
            for row in self.session.execute(page)
        ]


class _RefusedPage(SelectPage):
    """Refused CIS events, each with why in the caller's language."""

    def rows(self, page: Select[Any]) -> list[Any]:
        lang = request_language()
        return [
            {
                "event_id": r.event_id,
                "customer_code": r.customer_code,
                "event": r.event,
                "occurred_at": r.occurred_at,
                "code": r.code,
                "article": r.article,
                "message": refusal_message(r.code, r.params, lang),
                "refused_at": r.refused_at,
            }
            for r in super().rows(page)
        ]


@blp.route("/disconnections")
class StaffCases(MethodView):
    @staff_required(blp, "support")
    @blp.doc(operationId="listDisconnectionCases")
    @blp.arguments(StaffCaseQuerySchema, location="query")
    @blp.response(200, StaffCaseSchema(many=True))
    @blp.paginate(Page, page_size=50, max_page_size=200)
    @documents(blp, ValidationFailed)
    def get(self, query: dict[str, Any]) -> Any:
        """Disconnection cases (support)

        Reconnections past `due_by` first (the longest overdue first), then by deadline, then
        the newest. `state` is the one the customer sees: `suspended` while a payment, an
        agreement in force, an objection or a medical certificate holds the case. `?state=`
        filters by it, `?overdue=true` keeps only overdue reconnections.
        """
        session, now = db.session(), utcnow()
        statement = staff.cases_query(
            state=query.get("state"),
            overdue=query["overdue"],
            now=now,
            by_agreement=staff.agreement_suspended(session, now),
        )
        return _CasePage(session, statement)


@blp.route("/disconnections/<int:case_id>/medical-certificate")
class MedicalCertificate(MethodView):
    @staff_required(blp, "support")
    @blp.doc(operationId="recordMedicalCertificate")
    @blp.arguments(MedicalCertificateSchema)
    @blp.response(201, MedicalCertificateRecordedSchema)
    @documents(blp, CaseNotFound, CaseNotPending, MedicalCertificateRecorded, ValidationFailed)
    def post(self, data: dict[str, Any], case_id: int) -> Any:
        """Record a medical certificate (support; Art. 20.1)

        Postpones the disconnection by 10 calendar days from the date it was due (or from
        today when that is later or not set yet). Once per case: 409 for a second. Audited.
        """
        return staff.record_medical_certificate(
            db.session(),
            actor=current_actor(),
            case_id=case_id,
            issued_on=data["issued_on"],
            now=utcnow(),
        )


@blp.route("/objections/<int:objection_id>")
class ObjectionDecision(MethodView):
    @staff_required(blp, "support")
    @blp.doc(operationId="decideObjection")
    @blp.arguments(ObjectionDecisionSchema)
    @blp.response(200, ObjectionSchema)
    @documents(blp, ObjectionNotFound, ObjectionClosed, ValidationFailed)
    def patch(self, data: dict[str, Any], objection_id: int) -> Any:
        """Decide an objection (support)

        `upheld` ends the case (a disconnected customer is reconnected: reconnection becomes
        due); `rejected` resumes it, and no disconnection may come sooner than 3 days after
        the customer received the decision. The customer is told in their language; the
        decision is audited.
        """
        return staff.decide_objection(
            db.session(),
            actor=current_actor(),
            objection_id=objection_id,
            decision=data["decision"],
            note=data["note"],
            now=utcnow(),
        )


@blp.route("/disconnections/notices")
class UnconfirmedNotices(MethodView):
    @staff_required(blp, "support")
    @blp.doc(operationId="listUnconfirmedNotices")
    @blp.response(200, UnconfirmedNoticeSchema(many=True))
    @blp.paginate(Page, page_size=50, max_page_size=200)
    def get(self) -> Any:
        """Notices to confirm by phone (support; Art. 18.2)

        Warnings, disconnection notices and decisions not shown received by the end of the
        2nd working day after they were sent (weekends and Kosovo's public holidays do not
        count), oldest deadline first, with the customer's phone and e-mail.
        """
        return _NoticePage(db.session(), staff.unconfirmed_notices_query(utcnow()))


@blp.route("/disconnections/notices/<int:notice_id>/receipt")
class NoticeReceipt(MethodView):
    @staff_required(blp, "support")
    @blp.doc(operationId="confirmNoticeReceipt")
    @blp.arguments(ReceiptSchema)
    @blp.response(200, ReceiptRecordedSchema)
    @documents(blp, NoticeNotFound, NoticeReceived, ReceivedBeforeSent, ValidationFailed)
    def post(self, data: dict[str, Any], notice_id: int) -> Any:
        """Record that the customer received a notice (support; Art. 18.2)

        By `phone`, `email` or a `visit`; from `received_at` (now by default, never before the
        notice was sent: 422 `received_before_sent`). Audited.
        """
        return staff.confirm_receipt(
            db.session(), actor=current_actor(), notice_id=notice_id, now=utcnow(), **data
        )


@blp.route("/disconnections/refused-events")
class RefusedEvents(MethodView):
    @staff_required(blp, "support")
    @blp.doc(operationId="listRefusedDisconnectionEvents")
    @blp.response(200, RefusedEventSchema(many=True))
    @blp.paginate(Page, page_size=50, max_page_size=200)
    def get(self) -> Any:
        """CIS events the rule forbade (support)

        Not applied; newest first, each with the article and the reason in the caller's
        language. One that a later import applied after all leaves the list.
        """
        return _RefusedPage(db.session(), staff.refused_events_query())


@blp.route("/disconnections/report")
class Report(MethodView):
    @staff_required(blp, "admin")
    @blp.doc(
        operationId="getDisconnectionReport",
        responses={
            "200": {
                "description": "One row per event, the same columns either way.",
                "content": {
                    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                    "text/csv": {"schema": {"type": "string"}},
                },
            }
        },
    )
    @blp.arguments(ReportQuerySchema, location="query")
    @blp.response(200)
    @documents(blp, ValidationFailed)
    def get(self, query: dict[str, Any]) -> Any:
        """The regulator's report (admin; Art. 29)

        Every disconnection and reconnection in [`from`, `to`), oldest first, with the
        warning's and the notice's sending and receipt and which deadlines were met (receipt
        within 2 working days, the warning's 15 days, 3 days after the notice, reconnection by
        its due time). JSON by default; CSV with `Accept: text/csv`.
        """
        rows = report.report_rows(db.session(), since=query["since"], until=query["until"])
        if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
            return current_app.response_class(
                report.as_csv(rows),
                mimetype="text/csv",
                headers={"Content-Disposition": 'attachment; filename="disconnections.csv"'},
            )
        return current_app.json.response(rows)
