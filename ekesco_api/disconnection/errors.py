"""The errors of the disconnection domain, with the contract's codes."""

from __future__ import annotations

from ekesco_api.errors import ApiError
from ekesco_api.i18n import _l


class NoDisconnectionPending(ApiError):
    status = 409
    code = "no_disconnection_pending"
    title = _l("No disconnection procedure is open for this meter's customer code.")


class ObjectionOpen(ApiError):
    status = 409
    code = "objection_open"
    title = _l("An objection on this case is already waiting for KESCO's decision.")


class BillUnknown(ApiError):
    status = 422
    code = "bill_unknown"
    title = _l("This bill is not one of this meter's customer code.")


class AgreementExists(ApiError):
    status = 409
    code = "agreement_exists"
    title = _l("A payment agreement for this customer code is already proposed or in force.")


class BillDisputed(ApiError):
    status = 409
    code = "bill_disputed"
    title = _l("A bill of this customer code is disputed: wait for KESCO's decision.")


class NoDebt(ApiError):
    status = 409
    code = "no_debt"
    title = _l("Nothing is owed on this customer code: there is nothing to pay in installments.")


class AgreementNotFound(ApiError):
    status = 404
    code = "not_found"
    title = _l("No payment agreement was made for this customer code.")


class DebtOutstanding(ApiError):
    status = 409
    code = "debt_outstanding"
    title = _l(
        "The debt is not paid yet. Pay it, or agree installments and pay the first, and then "
        "ask again."
    )


class NotDisconnected(ApiError):
    status = 409
    code = "not_disconnected"
    title = _l("This meter's customer code is not disconnected.")


class ObjectionClosed(ApiError):
    status = 409
    code = "objection_closed"
    title = _l("This objection was already decided.")


class ObjectionNotFound(ApiError):
    status = 404
    code = "not_found"
    title = _l("No objection with this id.")


class CaseNotFound(ApiError):
    status = 404
    code = "not_found"
    title = _l("No disconnection case with this id.")


class CaseNotPending(ApiError):
    status = 409
    code = "no_disconnection_pending"
    title = _l("This case has no disconnection pending: it is closed or already carried out.")


class MedicalCertificateRecorded(ApiError):
    status = 409
    code = "medical_certificate_recorded"
    title = _l(
        "A medical certificate already postponed this case; the rule allows at most 10 days "
        "(Art. 20.1)."
    )


class NoticeNotFound(ApiError):
    status = 404
    code = "not_found"
    title = _l("No notice with this id.")


class NoticeReceived(ApiError):
    status = 409
    code = "notice_received"
    title = _l("This notice is already shown received.")


class ReceivedBeforeSent(ApiError):
    status = 422
    code = "received_before_sent"
    title = _l("A notice cannot have been received before it was sent.")
