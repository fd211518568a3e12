"""Every model, imported in one place so that Alembic and the metadata see them all."""

from ekesco_api.accounts.models import Account
from ekesco_api.areas.models import Area
from ekesco_api.auth.models import PasswordResetToken, RefreshToken, SessionFamily
from ekesco_api.bills.models import Bill, BillNotice
from ekesco_api.cis_import.models import ImportRun
from ekesco_api.customer_requests.models import CustomerRequest, RequestCounter, RequestEvent
from ekesco_api.disconnection.models import (
    DisconnectionCase,
    DisconnectionEvent,
    DisconnectionNotice,
    MedicalCertificate,
    Objection,
    PaymentAgreement,
    RefusedEvent,
)
from ekesco_api.meters.account_models import AccountMeter, BlockWarning, SupplyPointClaim
from ekesco_api.meters.models import Meter, Reading, SupplyPoint
from ekesco_api.notifications.models import (
    Device,
    Message,
    MutedKind,
    Notification,
    NotificationChannels,
)
from ekesco_api.outages.models import AreaSubscription, Outage, OutageArea, OutageReminder
from ekesco_api.payments.arrangement_models import DueArrangement
from ekesco_api.payments.models import (
    CisPayment,
    IdempotencyKey,
    Payment,
    PaymentCallback,
    PaymentItem,
)
from ekesco_api.registration.models import VerificationCode
from ekesco_api.staff.models import AuditEntry, StaffMember
from ekesco_api.tariffs.models import Tariff

__all__ = [
    "Account",
    "AccountMeter",
    "Area",
    "AreaSubscription",
    "AuditEntry",
    "Bill",
    "BillNotice",
    "BlockWarning",
    "CisPayment",
    "CustomerRequest",
    "Device",
    "DisconnectionCase",
    "DisconnectionEvent",
    "DisconnectionNotice",
    "DueArrangement",
    "IdempotencyKey",
    "ImportRun",
    "MedicalCertificate",
    "Message",
    "Meter",
    "MutedKind",
    "Notification",
    "NotificationChannels",
    "Objection",
    "Outage",
    "OutageArea",
    "OutageReminder",
    "PasswordResetToken",
    "Payment",
    "PaymentAgreement",
    "PaymentCallback",
    "PaymentItem",
    "Reading",
    "RefreshToken",
    "RefusedEvent",
    "RequestCounter",
    "RequestEvent",
    "SessionFamily",
    "StaffMember",
    "SupplyPoint",
    "SupplyPointClaim",
    "Tariff",
    "VerificationCode",
]
