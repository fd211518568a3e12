"""Written notices to the customer (Art. 15, 16-17, 24) and their delivery (Art. 18).

Each goes to the inbox of the account registered on the supply point, by e-mail in full and
by SMS in short, in the account's language (Art. 24; Albanian when nobody is registered). A
code without an account gets the notice on record only: the CIS posts the paper one, and the
notice is listed for staff until they confirm it was received (Art. 18.2).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.accounts.models import Account
from ekesco_api.clock import local_date
from ekesco_api.disconnection import deadlines as d
from ekesco_api.disconnection.fees import fees
from ekesco_api.disconnection.models import DisconnectionCase, DisconnectionNotice, Objection
from ekesco_api.formatting import format_date, format_money
from ekesco_api.i18n import _, language
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.notifications.models import Notification
from ekesco_api.notifications.service import queue_message

KIND_WARNING = "warning"
KIND_DISCONNECTION = "disconnection"
KIND_DECISION = "decision"
NOTICE_KINDS = (KIND_WARNING, KIND_DISCONNECTION, KIND_DECISION)
RECEIVED_BY = ("inbox", "phone", "email", "visit")


def _art17(case: DisconnectionCase, point: SupplyPoint, lang: str) -> dict[str, str]:
    """What every notice names (Art. 17 a-g), in the current language."""
    meters = ", ".join(sorted(m.meter_number for m in point.meters)) or "-"
    amount = format_money(case.amount_due, lang)
    reason = (
        _(
            "Reason: an installment of your payment agreement was not paid; %(amount)s is "
            "outstanding. Legal basis: Art. 16.1a of the ERO Rule on Disconnection and "
            "Reconnection of Customers.",
            amount=amount,
        )
        if case.reason == "installment_missed"
        else _(
            "Reason: bills of %(amount)s are unpaid. Legal basis: Art. 6.1 and 15 of the ERO "
            "Rule on Disconnection and Reconnection of Customers.",
            amount=amount,
        )
    )
    return {
        "who": _(
            "Customer: %(name)s, customer code %(code)s, meter %(meters)s.",
            name=point.holder_name,
            code=point.customer_code,
            meters=meters,
        ),
        "reason": reason,
        "contact": _(
            "More information, or to show that you have paid: KESCO's Customer Care office in "
            "%(city)s, or the KESCO Call Center.",
            city=point.city,
        ),
        "reconnect": _(
            "Reconnection: once the debt is paid or a payment agreement is in force, ask for it "
            "in the app or at KESCO; supply is restored within 24 hours (Art. 25). The "
            "reconnection fee is %(fee)s.",
            fee=format_money(fees(point.category)["reconnection"], lang),
        ),
        "complain": _(
            "You may complain to KESCO and, under the ERO's dispute-resolution procedures, to "
            "the Energy Regulatory Office."
        ),
    }


def _compose(
    case: DisconnectionCase,
    point: SupplyPoint,
    kind: str,
    lang: str,
    now: dt.datetime,
    objection: Objection | None,
) -> tuple[str, str, str]:
    """(title, full text, SMS) of a notice."""
    parts = _art17(case, point, lang)
    code, amount = point.customer_code, format_money(case.amount_due, lang)
    if kind == KIND_WARNING:
        pay_by = format_date(local_date(d.pay_by(case.warned_at)) - dt.timedelta(days=1), lang)
        title = _("Warning before disconnection – %(code)s", code=code)
        body = [
            parts["who"],
            parts["reason"],
            _(
                "To avoid disconnection, pay %(amount)s by %(pay_by)s: in the eKesco app at any "
                "time, at a bank or at KESCO. You can also ask for a payment agreement in the "
                "app.",
                amount=amount,
                pay_by=pay_by,
            ),
            _(
                "You have the right to object in writing, in the app or at KESCO, within 15 "
                "days of receiving this warning. An objection stops the disconnection until it "
                "is investigated (Art. 19)."
            ),
            parts["contact"],
            parts["reconnect"],
            parts["complain"],
        ]
        sms = _(
            "KESCO: bills of %(amount)s for %(code)s are unpaid. Pay by %(pay_by)s to avoid "
            "disconnection. Your rights and the full warning: eKesco app.",
            amount=amount,
            code=code,
            pay_by=pay_by,
        )
    elif kind == KIND_DISCONNECTION:
        assert case.scheduled_for is not None
        day = format_date(case.scheduled_for, lang)
        title = _("Disconnection notice – %(code)s", code=code)
        body = [
            parts["who"],
            parts["reason"],
            _(
                "Your supply may be disconnected from %(date)s, and no sooner than 3 days after "
                "you receive this notice (Art. 16.4).",
                date=day,
            ),
            _(
                "To prevent it, pay %(amount)s in the eKesco app (at any time), at a bank or at "
                "KESCO, agree installments in the app, or object in writing. A medical "
                "certificate stating that disconnection would seriously endanger someone in "
                "the home postpones it by up to 10 days (Art. 20).",
                amount=amount,
            ),
            parts["contact"],
            parts["reconnect"],
            parts["complain"],
        ]
        sms = _(
            "KESCO: %(code)s may be disconnected from %(date)s for %(amount)s unpaid. Pay or "
            "object to prevent it. Full notice: eKesco app.",
            code=code,
            date=day,
            amount=amount,
        )
    else:
        assert objection is not None
        note = objection.note or ""
        if objection.status == "upheld":
            title = _("Your objection was upheld – %(code)s", code=code)
            decision = _(
                "KESCO upheld your objection: the disconnection procedure for %(code)s has ended.",
                code=code,
            )
        else:
            title = _("Your objection was rejected – %(code)s", code=code)
            decision = _(
                "KESCO rejected your objection. The procedure resumes; you will not be "
                "disconnected sooner than 3 days after you receive this decision."
            )
        body = [parts["who"], decision, _("KESCO's note: %(note)s", note=note), parts["contact"]]
        if objection.status != "upheld":
            body += [parts["reconnect"], parts["complain"]]
        sms = _(
            "KESCO decided on your objection for %(code)s. Read the decision in the eKesco app.",
            code=code,
        )
    return str(title), "\n\n".join(str(part) for part in body), str(sms)


def registered_account(session: Session, supply_point_id: int) -> Account | None:
    """The account registered on the code: the customer the notices are for."""
    return session.scalars(
        select(Account).where(Account.supply_point_id == supply_point_id)
    ).one_or_none()


def send_notice(
    session: Session,
    *,
    case: DisconnectionCase,
    kind: str,
    now: dt.datetime,
    objection: Objection | None = None,
) -> DisconnectionNotice:
    """Write a notice to the inbox and queue its e-mail and SMS, in the caller's transaction."""
    account = registered_account(session, case.supply_point_id)
    lang = account.language if account is not None else "sq"
    notice = DisconnectionNotice(
        kind=kind,
        issued_at=now,
        account_id=account.id if account else None,
        language=lang,
        channels=[],
        confirm_by=d.confirm_receipt_by(now),
    )
    case.notices.append(notice)
    if account is not None:
        # Written only for someone to read: most codes have no account (the CIS posts theirs).
        point = session.get(SupplyPoint, case.supply_point_id)
        assert point is not None
        with language(lang):
            title, body, sms = _compose(case, point, kind, lang, now, objection)
        entry = Notification(
            account_id=account.id,
            kind=f"disconnection_{kind}",
            title=title,
            body=body,
            created_at=now,
        )
        session.add(entry)
        session.flush()
        notice.notification_id = entry.id
        queue_message(
            session,
            channel="email",
            to=account.email,
            subject=title,
            body=body,
            kind=f"disconnection_{kind}",
            account_id=account.id,
        )
        queue_message(
            session,
            channel="sms",
            to=account.phone,
            body=sms,
            kind=f"disconnection_{kind}",
            account_id=account.id,
        )
        notice.channels = ["inbox", "email", "sms"]
    return notice
