"""What the customer is told about a request, in the account's language, on its channels.

The receipt is the app's counterpart of the number the counter clerk hands over (FAQ "How do I
make a request/ complaint in KESCO?"): it names the reference, so it must reach the customer
outside the app too. It goes to the inbox and to the channels the account chose; when those
give no address outside the app (none chosen, or push without a device), it goes the way every
other personal message goes: push to each device, or else e-mail.
"""

from __future__ import annotations

from flask_babel import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.customer_requests.models import (
    STATUS_IN_PROGRESS,
    STATUS_REJECTED,
    STATUS_RESOLVED,
)
from ekesco_api.i18n import _, _l, language
from ekesco_api.notifications.models import Device
from ekesco_api.notifications.preferences import channels_of
from ekesco_api.notifications.service import notify_account

KIND_RECEIPT = "request_received"
KIND_UPDATE = "request_update"

_RECEIVED: dict[str, LazyString] = {
    "request": _l("We received your request."),
    "complaint": _l("We received your complaint."),
    "suggestion": _l("We received your suggestion."),
    "compliment": _l("We received your compliment."),
}
TOPIC_NAMES: dict[str, LazyString] = {
    "billing_error": _l("billing error"),
    "wrong_payment_code": _l("payment to a wrong customer code"),
    "meter_problem": _l("meter problem"),
    "data_update": _l("data update"),
    "reconnection": _l("reconnection"),
    "disconnection_on_request": _l("disconnection on request"),
    "staff_service": _l("staff service"),
    "other": _l("other"),
}


def _tell(session: Session, account: Account, *, kind: str, title: str, body: str) -> None:
    tokens = session.scalars(
        select(Device.push_token).where(Device.account_id == account.id).order_by(Device.id)
    ).all()
    notify_account(
        session,
        account_id=account.id,
        email=account.email,
        push_tokens=list(tokens),
        kind=kind,
        title=title,
        body=body,
        channels=channels_of(session, account_id=account.id),
        phone=account.phone,
    )


def send_receipt(
    session: Session, account: Account, *, reference: str, kind: str, topic: str
) -> None:
    """The receipt with the reference, added to the caller's transaction."""
    with language(account.language):
        title = _("Received: %(reference)s", reference=reference)
        body = (
            str(_RECEIVED[kind])
            + " "
            + _(
                "Its reference number is %(reference)s (topic: %(topic)s). Keep it as proof "
                "that you filed it, and quote it whenever you contact KESCO about it. Our "
                "replies will reach you in the app.",
                reference=reference,
                topic=str(TOPIC_NAMES[topic]),
            )
        )
    _tell(session, account, kind=KIND_RECEIPT, title=title, body=body)


def send_update(
    session: Session, account: Account, *, reference: str, status: str, moved: bool, note: str
) -> None:
    """Tell the customer what support did (`moved`: the status changed) and what it wrote."""
    with language(account.language):
        if status == STATUS_RESOLVED:
            title = _("%(reference)s: resolved", reference=reference)
            lead = _("Your request %(reference)s was resolved.", reference=reference)
        elif status == STATUS_REJECTED:
            title = _("%(reference)s: declined", reference=reference)
            lead = _("Your request %(reference)s was declined.", reference=reference)
        elif status == STATUS_IN_PROGRESS and moved:
            title = _("%(reference)s: being handled", reference=reference)
            lead = _("KESCO is now handling your request %(reference)s.", reference=reference)
        else:
            title = _("%(reference)s: a reply", reference=reference)
            lead = _("KESCO replied about your request %(reference)s.", reference=reference)
    _tell(session, account, kind=KIND_UPDATE, title=title, body=f"{lead}\n\n{note}")
