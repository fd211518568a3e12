"""What a support agent sees of a customer, and finding accounts by one key (audited)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import STATUS_ACTIVE, Account
from ekesco_api.keys import email_key, identifier_key
from ekesco_api.meters import service as meter_service
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.notifications.models import STATUS_FAILED, STATUS_SENT, Message
from ekesco_api.phones import carrier_of
from ekesco_api.registration.models import CHANNEL_SMS, VerificationCode
from ekesco_api.staff import audit
from ekesco_api.staff.audit import Actor, Record, audited

# How much of a customer's message history the lookup shows.
RECENT_CODES = 10
RECENT_MESSAGES = 20


def _delivery(status: str) -> str:
    if status == STATUS_SENT:
        return "sent"
    if status == STATUS_FAILED:
        return "failed"
    return "queued"


def _message_view(message: Message | None, *, channel: str, to: str) -> dict[str, Any]:
    # Bodies are never shown: they carry codes and temporary passwords.
    return {
        "status": _delivery(message.status) if message else "queued",
        "sent_at": message.sent_at if message else None,
        "attempts": message.attempts if message else 0,
        "last_error": message.last_error if message else None,
        "carrier": carrier_of(to, "en") if channel == CHANNEL_SMS else None,
    }


_Sent = TypeVar("_Sent", VerificationCode, Message)


def _newest(session: Session, model: type[_Sent], account_id: int, limit: int) -> Sequence[_Sent]:
    return session.scalars(
        select(model).where(model.account_id == account_id).order_by(model.id.desc()).limit(limit)
    ).all()


def customer_view(session: Session, account: Account) -> dict[str, Any]:
    """What an agent sees of an account: contact data, meters, codes and messages sent."""
    supply_point = account.supply_point
    codes = _newest(session, VerificationCode, account.id, RECENT_CODES)
    messages = _newest(session, Message, account.id, RECENT_MESSAGES)
    return {
        "account_id": account.id,
        "customer_code": supply_point.customer_code,
        "holder_name": supply_point.holder_name,
        "address": supply_point.address,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "phone": account.phone,
        "phone_carrier": carrier_of(account.phone, "en"),
        "pending_email": account.pending_email,
        "pending_phone": account.pending_phone,
        "personal_number": account.personal_number,
        "language": account.language,
        "status": account.status,
        "verified": account.status == STATUS_ACTIVE,
        "verified_at": account.verified_at,
        "name_matches_holder": account.name_matches_holder,
        "password_change_required": account.password_change_required,
        "created_at": account.created_at,
        # The customer's own list: the registration's meters first, then those added.
        "meters": meter_service.list_meters(session, account_id=account.id),
        "codes": [
            {
                "id": code.public_id,
                "purpose": code.purpose,
                "channel": code.channel,
                "destination": code.destination,
                "created_at": code.created_at,
                "expires_at": code.expires_at,
                "used_at": code.used_at,
                "revoked_at": code.revoked_at,
                "code_attempts": code.attempts,
                **_message_view(code.message, channel=code.channel, to=code.destination),
            }
            for code in codes
        ],
        "messages": [
            {
                "id": message.id,
                "channel": message.channel,
                "kind": message.kind,
                "recipient": message.recipient,
                "created_at": message.created_at,
                **_message_view(message, channel=message.channel, to=message.recipient),
            }
            for message in messages
        ],
    }


def _lookup_statement(key: str, value: str) -> Select[Any]:
    statement = select(Account).join(SupplyPoint, Account.supply_point_id == SupplyPoint.id)
    if key == "email":
        return statement.where(Account.email_key == email_key(value))
    if key == "customer_code":
        return statement.where(SupplyPoint.code_key == identifier_key(value))
    if key == "personal_number":
        # The number given at registration, or the CIS holder's: either finds the account.
        return statement.where(
            (Account.personal_number == value) | (SupplyPoint.personal_number == value)
        )
    if key == "phone":
        return statement.where(Account.phone == value)
    raise ValueError(f"unknown lookup key {key!r}")


def find_customers(session: Session, *, actor: Actor, key: str, value: str) -> list[dict[str, Any]]:
    """Accounts matching one key; the lookup itself is audited (it shows personal data)."""
    # Codes are the supplier's, not contact data; addresses and numbers are named, not spelled.
    shown = value if key == "customer_code" else audit.personal(key, value)
    record = Record(details={"by": key, "value": shown})
    with audited(session, actor=actor, action=audit.ACTION_CUSTOMER_LOOKUP, record=record):
        accounts = session.scalars(_lookup_statement(key, value).order_by(Account.id)).all()
        views = [customer_view(session, account) for account in accounts]
        record.details["found"] = len(accounts)
        if len(accounts) == 1:
            record.account_id = accounts[0].id
            record.customer_code = views[0]["customer_code"]
    return views
