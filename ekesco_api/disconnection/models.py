"""Disconnection cases and what they hold: events, notices, objections, certificates, agreements.

Records of disconnections and reconnections are kept at least 3 years (Art. 29.2): they hang on
the supply point, never on an account, and the account links they carry are `SET NULL`, so
deleting an account (accounts.removal) leaves them in place without the contact data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    case,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ekesco_api.accounts.removal import erased_with, settled_with
from ekesco_api.db import Base
from ekesco_api.notifications.models import Notification
from ekesco_api.types import utcnow

_OPEN = text("closed_at IS NULL")


class DisconnectionCase(Base):
    """One run of the procedure on a supply point, from the warning until it ends.

    At most one is open per supply point (a partial unique index: two warnings at once make one
    case). `stage` is stored (rules.Stage); the customer's `state` is derived from it and from
    what suspends it at the moment.
    """

    __tablename__ = "disconnection_cases"
    __table_args__ = (
        Index(
            "ux_disconnection_cases_open",
            "supply_point_id",
            unique=True,
            postgresql_where=_OPEN,
            sqlite_where=_OPEN,
        ),
        Index("ix_disconnection_cases_stage", "stage", "reconnection_due_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supply_point_id: Mapped[int] = mapped_column(ForeignKey("supply_points.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    # "non_payment" (a CIS warning for unpaid bills) or "installment_missed" (Art. 16.1a).
    reason: Mapped[str] = mapped_column(String(24))
    amount_due: Mapped[Decimal]
    warned_at: Mapped[dt.datetime]
    notice_at: Mapped[dt.datetime | None]
    scheduled_for: Mapped[dt.date | None]
    disconnected_at: Mapped[dt.datetime | None]
    reconnection_reference: Mapped[str | None] = mapped_column(String(24), unique=True)
    reconnection_requested_at: Mapped[dt.datetime | None]
    reconnection_due_by: Mapped[dt.datetime | None]
    reconnection_fee: Mapped[Decimal | None]
    reconnected_at: Mapped[dt.datetime | None]
    # How it ended: withdrawn, objection_upheld, reconnected.
    outcome: Mapped[str | None] = mapped_column(String(24))
    last_event_at: Mapped[dt.datetime]
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]

    events: Mapped[list[DisconnectionEvent]] = relationship(
        order_by="DisconnectionEvent.id", back_populates="case"
    )
    notices: Mapped[list[DisconnectionNotice]] = relationship(
        order_by="DisconnectionNotice.id", back_populates="case"
    )
    objections: Mapped[list[Objection]] = relationship(
        order_by="Objection.id", back_populates="case"
    )
    medical_certificate: Mapped[MedicalCertificate | None] = relationship(back_populates="case")


class DisconnectionEvent(Base):
    """What happened to a case and the state it left the case in: the history the customer and
    the regulator read. `event_id` is the CIS's for its events, NULL for the app's own."""

    __tablename__ = "disconnection_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("disconnection_cases.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime]
    source: Mapped[str] = mapped_column(String(8))  # cis, app, staff
    amount_due: Mapped[Decimal | None]
    scheduled_for: Mapped[dt.date | None]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    case: Mapped[DisconnectionCase] = relationship(back_populates="events")


def _read_in_inbox(notices: Table) -> Any:
    """When the notice's inbox entry was read: its receipt while the inbox holds it."""
    return (
        select(Notification.read_at)
        .where(Notification.id == notices.c.notification_id)
        .scalar_subquery()
    )


class DisconnectionNotice(Base):
    """A written notice to the customer (a warning, a disconnection notice, an objection's
    decision) and its delivery (Art. 18).

    It counts as received (`received_at`) when the customer opened it in the app's inbox, or
    when staff recorded that they reached the customer by phone, e-mail or a visit
    (Art. 18.2); a sent SMS or e-mail alone shows no receipt. `confirm_by` is the end of the
    2nd working day after sending: a notice not received by then is for staff to phone.
    """

    __tablename__ = "disconnection_notices"
    __table_args__ = (Index("ix_disconnection_notices_unconfirmed", "received_at", "confirm_by"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("disconnection_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # warning, disconnection, decision
    issued_at: Mapped[dt.datetime]
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    language: Mapped[str] = mapped_column(String(2))
    # The inbox entry it was written to; no foreign key, as the inbox has none. Its rows go with
    # the account: the receipt they hold is copied here first, and the link is cut.
    notification_id: Mapped[int | None] = mapped_column(index=True, info=erased_with(None))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    confirm_by: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime | None] = mapped_column(
        info=settled_with(lambda t: func.coalesce(t.c.received_at, _read_in_inbox(t)))
    )
    # inbox, phone, email, visit
    received_by: Mapped[str | None] = mapped_column(
        String(8),
        info=settled_with(
            lambda t: case(
                (and_(t.c.received_at.is_(None), _read_in_inbox(t).is_not(None)), "inbox"),
                else_=t.c.received_by,
            )
        ),
    )
    confirmed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))

    case: Mapped[DisconnectionCase] = relationship(back_populates="notices")


class Objection(Base):
    """A written objection (Art. 19.1); with a bill, that bill is disputed (Art. 19.4-19.5)."""

    __tablename__ = "disconnection_objections"
    __table_args__ = (
        Index(
            "ux_disconnection_objections_open",
            "case_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("disconnection_cases.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id"))
    undisputed_amount: Mapped[Decimal | None]
    arrangement_id: Mapped[int | None] = mapped_column(ForeignKey("due_arrangements.id"))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open, upheld, rejected
    filed_at: Mapped[dt.datetime]
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    note: Mapped[str | None] = mapped_column(Text)
    decision_notice_id: Mapped[int | None] = mapped_column(ForeignKey("disconnection_notices.id"))

    case: Mapped[DisconnectionCase] = relationship(back_populates="objections")
    decision_notice: Mapped[DisconnectionNotice | None] = relationship()


class MedicalCertificate(Base):
    """A medical certificate support recorded (Art. 20.1): one per case, 10 days at most."""

    __tablename__ = "disconnection_medical_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("disconnection_cases.id"), unique=True)
    issued_on: Mapped[dt.date]
    recorded_at: Mapped[dt.datetime]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))
    postponed_until: Mapped[dt.datetime]

    case: Mapped[DisconnectionCase] = relationship(back_populates="medical_certificate")


class PaymentAgreement(Base):
    """A payment agreement (Art. 16.1a, 25.1): its installments are its `DueArrangement`.

    `status` is what was last recorded; where it stands now follows from the payments (see
    `agreements.position`), and the sweep records a break and warns anew.
    """

    __tablename__ = "payment_agreements"
    __table_args__ = (
        Index(
            "ux_payment_agreements_live",
            "supply_point_id",
            unique=True,
            postgresql_where=text("status IN ('proposed', 'active')"),
            sqlite_where=text("status IN ('proposed', 'active')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supply_point_id: Mapped[int] = mapped_column(ForeignKey("supply_points.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    arrangement_id: Mapped[int] = mapped_column(ForeignKey("due_arrangements.id"), unique=True)
    status: Mapped[str] = mapped_column(String(10))  # proposed, active, completed, broken
    created_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]


class RefusedEvent(Base):
    """A CIS event the rule forbade: not applied, kept for staff to follow up (one per event)."""

    __tablename__ = "disconnection_refused_events"
    __table_args__ = (UniqueConstraint("event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    customer_code: Mapped[str] = mapped_column(String(32))
    supply_point_id: Mapped[int | None] = mapped_column(ForeignKey("supply_points.id"))
    event: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[dt.datetime]
    code: Mapped[str] = mapped_column(String(40))
    article: Mapped[str | None] = mapped_column(String(8))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    refused_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when a later import applied the same event after all.
    applied_at: Mapped[dt.datetime | None]
