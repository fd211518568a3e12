"""Shapes of the disconnection endpoints: the case, objections, agreements, reconnection, staff."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from ekesco_api.disconnection.notices import NOTICE_KINDS
from ekesco_api.disconnection.rules import STATES, SUSPENSIONS
from ekesco_api.fields import Money, UtcDateTime

_DEADLINE = "An instant in UTC, judged on the Kosovo clock (Europe/Belgrade)."


class DeadlinesSchema(ma.Schema):
    pay_by = UtcDateTime(
        metadata={
            "sometimes": True,
            "description": "End of the warning's 15 calendar days (Art. 15.2). " + _DEADLINE,
        }
    )
    objection_by = UtcDateTime(
        metadata={
            "sometimes": True,
            "description": "End of the time to object: 15 calendar days from the day the "
            "warning was received (Art. 15.3). " + _DEADLINE,
        }
    )
    earliest_disconnection = UtcDateTime(
        allow_none=True,
        metadata={
            "sometimes": True,
            "description": "The first instant a disconnection may happen: the date in the "
            "notice, 3 days after it was received (Art. 16.4), after a medical postponement "
            "(Art. 20.1) or a rejected objection (3 days after the decision was received); "
            "null while the notice is not shown received.",
        },
    )
    reconnection_due_by = UtcDateTime(
        metadata={
            "sometimes": True,
            "description": "24 h after the request, or 48 h after the disconnection "
            "when it was contested in writing (Art. 25.2), whichever is sooner.",
        }
    )


class NoticeSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": list(NOTICE_KINDS)})
    issued_at = UtcDateTime()
    delivered_at = UtcDateTime(
        allow_none=True,
        metadata={
            "description": "When it was shown received: opened in the app's inbox, or "
            "confirmed by KESCO staff by phone, e-mail or a visit (Art. 18.2)."
        },
    )
    delivered_by = ma.fields.String(
        allow_none=True, metadata={"enum": ["inbox", "phone", "email", "visit", None]}
    )
    channels = ma.fields.List(ma.fields.String(), metadata={"example": ["inbox", "email", "sms"]})


class FeesSchema(ma.Schema):
    notice = Money()
    disconnection = Money()
    reconnection = Money()


class HistorySchema(ma.Schema):
    state = ma.fields.String(metadata={"enum": list(STATES)})
    event = ma.fields.String()
    at = UtcDateTime()


class CaseSchema(ma.Schema):
    case_id = ma.fields.Integer(allow_none=True)
    customer_code = ma.fields.String()
    state = ma.fields.String(metadata={"enum": list(STATES)})
    reason = ma.fields.String(
        allow_none=True, metadata={"enum": ["non_payment", "installment_missed", None]}
    )
    amount_due = Money()
    undisputed_amount = Money(
        allow_none=True,
        metadata={"description": "With a disputed bill: what is due meanwhile (Art. 19.5)."},
    )
    deadlines = ma.fields.Nested(DeadlinesSchema)
    suspended_by = ma.fields.String(allow_none=True, metadata={"enum": [*SUSPENSIONS, None]})
    outcome = ma.fields.String(
        allow_none=True,
        metadata={"enum": ["withdrawn", "objection_upheld", "reconnected", None]},
    )
    reconnection_reference = ma.fields.String(allow_none=True)
    notices = ma.fields.List(ma.fields.Nested(NoticeSchema))
    fees = ma.fields.Nested(FeesSchema, metadata={"description": "Annex 1, by category."})
    history = ma.fields.List(ma.fields.Nested(HistorySchema))


class ObjectionCreateSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=4000))
    bill_id = ma.fields.Integer(load_default=None, allow_none=True)


class ObjectionCreatedSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": ["open"]})
    case_id = ma.fields.Integer()
    undisputed_amount = Money(allow_none=True)


class AgreementCreateSchema(ma.Schema):
    # Strict: 2.5 installments is a mistake to answer, not 2 to agree to.
    installments = ma.fields.Integer(
        required=True, strict=True, validate=validate.Range(min=2, max=12)
    )


class InstallmentSchema(ma.Schema):
    number = ma.fields.Integer()
    due_on = ma.fields.Date()
    amount = Money()
    paid_amount = Money()
    paid = ma.fields.Boolean()


class AgreementSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": ["proposed", "active", "completed", "broken"]})
    created_at = UtcDateTime()
    total = Money()
    due_now = Money()
    installments = ma.fields.List(ma.fields.Nested(InstallmentSchema))


class ReconnectionSchema(ma.Schema):
    reference = ma.fields.String()
    due_by = UtcDateTime()
    fee = Money(metadata={"description": "Annex 1: 15.00 household, 30.00 commercial."})
    case_id = ma.fields.Integer()


# --- staff ------------------------------------------------------------------------------------


class StaffCaseQuerySchema(ma.Schema):
    state = ma.fields.String(
        validate=validate.OneOf(STATES),
        metadata={"description": "The state the customer sees (`suspended` included)."},
    )
    overdue = ma.fields.Boolean(
        load_default=False, metadata={"description": "Only reconnections past `due_by`."}
    )


class StaffCaseSchema(ma.Schema):
    id = ma.fields.Integer()
    customer_code = ma.fields.String()
    holder_name = ma.fields.String()
    state = ma.fields.String(metadata={"enum": list(STATES)})
    reason = ma.fields.String()
    amount_due = Money()
    warned_at = UtcDateTime()
    scheduled_for = ma.fields.Date(allow_none=True)
    disconnected_at = UtcDateTime(allow_none=True)
    reconnection_due_by = UtcDateTime(allow_none=True)
    reconnection_reference = ma.fields.String(allow_none=True)
    overdue = ma.fields.Boolean()
    open_objection_id = ma.fields.Integer(allow_none=True)
    outcome = ma.fields.String(allow_none=True)


class MedicalCertificateSchema(ma.Schema):
    issued_on = ma.fields.Date(required=True)


class MedicalCertificateRecordedSchema(ma.Schema):
    case_id = ma.fields.Integer()
    issued_on = ma.fields.Date()
    postponed_until = UtcDateTime()


class ObjectionDecisionSchema(ma.Schema):
    decision = ma.fields.String(required=True, validate=validate.OneOf(["upheld", "rejected"]))
    note = ma.fields.String(required=True, validate=validate.Length(min=1, max=4000))


class ObjectionSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": ["open", "upheld", "rejected"]})
    reason = ma.fields.String()
    bill_id = ma.fields.Integer(allow_none=True)
    undisputed_amount = Money(allow_none=True)
    filed_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)
    note = ma.fields.String(allow_none=True)
    case_state = ma.fields.String()


class UnconfirmedNoticeSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": list(NOTICE_KINDS)})
    issued_at = UtcDateTime()
    confirm_by = UtcDateTime()
    customer_code = ma.fields.String()
    holder_name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)


class ReceiptSchema(ma.Schema):
    received_by = ma.fields.String(
        required=True, validate=validate.OneOf(["phone", "email", "visit"])
    )
    received_at = UtcDateTime(
        load_default=None, metadata={"description": "When the customer got it; now by default."}
    )


class ReceiptRecordedSchema(ma.Schema):
    id = ma.fields.Integer()
    received_at = UtcDateTime()
    received_by = ma.fields.String()


class RefusedEventSchema(ma.Schema):
    event_id = ma.fields.String()
    customer_code = ma.fields.String()
    event = ma.fields.String()
    occurred_at = UtcDateTime()
    code = ma.fields.String()
    article = ma.fields.String(allow_none=True)
    message = ma.fields.String()
    refused_at = UtcDateTime()


class ReportQuerySchema(ma.Schema):
    since = UtcDateTime(required=True, data_key="from")
    until = UtcDateTime(required=True, data_key="to")
