"""The disconnection records of the account's codes in its data export, and its agreements.

A case hangs on the supply point, as its bills do, so the account's copy holds every case of
the codes it can see, with what `GET /meters/{id}/disconnection` shows of each: the history, the
notices and when each was received. Objections are the account's own: a reason another holder
of the code once wrote is theirs, not this customer's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import Session, selectinload

from ekesco_api.accounts.export import ExportContext, records, section
from ekesco_api.disconnection.facts import receipts
from ekesco_api.disconnection.models import DisconnectionCase, PaymentAgreement
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.meters.ownership import ACCOUNT_CODES
from ekesco_api.payments.arrangement_models import DueArrangement


def _case(session: Session, case: DisconnectionCase, account_id: int) -> dict[str, Any]:
    received = receipts(session, case.notices)
    certificate = case.medical_certificate
    return {
        "reason": case.reason,
        "amount_due": case.amount_due,
        "warned_at": case.warned_at,
        "notice_at": case.notice_at,
        "scheduled_for": case.scheduled_for,
        "disconnected_at": case.disconnected_at,
        "reconnection_reference": case.reconnection_reference,
        "reconnection_requested_at": case.reconnection_requested_at,
        "reconnection_due_by": case.reconnection_due_by,
        "reconnection_fee": case.reconnection_fee,
        "reconnected_at": case.reconnected_at,
        "outcome": case.outcome,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "history": [{"event": e.kind, "state": e.state, "at": e.at} for e in case.events],
        "notices": [
            {
                "kind": notice.kind,
                "issued_at": notice.issued_at,
                "channels": notice.channels,
                "delivered_at": received.get(notice.id, (None, None))[0],
                "delivered_by": received.get(notice.id, (None, None))[1],
            }
            for notice in case.notices
        ],
        "objections": [
            {
                "reason": objection.reason,
                "filed_at": objection.filed_at,
                "status": objection.status,
                "undisputed_amount": objection.undisputed_amount,
                "decided_at": objection.decided_at,
                "note": objection.note,
            }
            for objection in case.objections
            if objection.account_id == account_id
        ],
        "medical_certificate": None
        if certificate is None
        else {"issued_on": certificate.issued_on, "postponed_until": certificate.postponed_until},
    }


_CASES = (
    select(DisconnectionCase)
    .where(DisconnectionCase.supply_point_id == bindparam("supply_point_id", type_=Integer()))
    .order_by(DisconnectionCase.id.desc())
    .options(
        selectinload(DisconnectionCase.events),
        selectinload(DisconnectionCase.notices),
        selectinload(DisconnectionCase.objections),
        selectinload(DisconnectionCase.medical_certificate),
    )
)


@section("disconnections", order=55)
def disconnections(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    """Newest case first within each code. A code has a handful of cases in a lifetime, so each
    code's are read whole with their parts: five statements a code (ten codes at most), and one
    a case whose notices only the inbox knows to be read."""
    codes = session.execute(ACCOUNT_CODES, {"account_id": context.account_id}).all()
    for supply_point_id, customer_code in codes:
        cases = session.scalars(_CASES, {"supply_point_id": supply_point_id}).all()
        for case in cases:
            yield {"customer_code": customer_code, **_case(session, case, context.account_id)}


@section("payment_agreements", order=56)
def payment_agreements(session: Session, context: ExportContext) -> Iterator[dict[str, Any]]:
    """The agreements the account proposed, with their installments as agreed."""
    return records(
        session,
        select(
            SupplyPoint.customer_code,
            PaymentAgreement.status,
            PaymentAgreement.created_at,
            PaymentAgreement.ended_at,
            DueArrangement.total,
            DueArrangement.installments,
            DueArrangement.first_due_on,
        )
        .join(DueArrangement, DueArrangement.id == PaymentAgreement.arrangement_id)
        .join(SupplyPoint, SupplyPoint.id == PaymentAgreement.supply_point_id)
        .where(PaymentAgreement.account_id == context.account_id)
        .order_by(PaymentAgreement.id.desc()),
    )
