"""Finding a paper bill by its customer code and bill number, and paying it without an account.

Both parts must match one bill, and a wrong code or a wrong number get one and the same answer
(`BillUnknown`), after the same work: one indexed statement looks the bill up by its number and
its code's key together, so a miss costs the same whichever part was wrong. Only a match goes on
to what is owed. What the payer learns of the holder is their initials.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ekesco_api.bills.dues import still_owed
from ekesco_api.bills.models import Bill
from ekesco_api.keys import identifier_key
from ekesco_api.meters.models import SupplyPoint
from ekesco_api.payments import intents
from ekesco_api.payments.gateway import PaymentGateway
from ekesco_api.public_payments.errors import BillUnknown

# Longer than any stored value cannot match; refused before the database is asked.
MAX_CODE, MAX_BILL_NUMBER = 32, 40


@dataclass(frozen=True, slots=True)
class PayableBill:
    """What the payer of a paper bill may see of it."""

    customer_code: str
    bill_number: str
    holder: str
    period: str
    due_on: dt.date
    amount_due: Decimal
    supply_point_id: int


_LOOKUP = (
    select(
        Bill.bill_number,
        Bill.period,
        Bill.due_on,
        Bill.supply_point_id,
        SupplyPoint.customer_code,
        SupplyPoint.first_name,
        SupplyPoint.last_name,
        still_owed().label("amount_due"),
    )
    .join(SupplyPoint, SupplyPoint.id == Bill.supply_point_id)
    .where(
        Bill.bill_number == bindparam("bill_number"),
        SupplyPoint.code_key == bindparam("code_key"),
    )
)


def initials(*names: str) -> str:
    """ "Arbën", "Krasniqi-Berisha" → "A. K.": the first letter of each name, nothing more."""
    found = []
    for name in names:
        letter = next((c for c in unicodedata.normalize("NFC", name) if c.isalpha()), None)
        if letter is not None:
            found.append(f"{letter.upper()}.")
    return " ".join(found)


def find_bill(session: Session, *, customer_code: str, bill_number: str) -> PayableBill:
    """The bill with this number on this customer code (either ignoring spaces and case in the
    code, the number as printed), or `BillUnknown`."""
    code_key, number = identifier_key(customer_code), bill_number.strip()
    if not code_key or not number or len(code_key) > MAX_CODE or len(number) > MAX_BILL_NUMBER:
        raise BillUnknown()
    row = (
        session.connection().execute(_LOOKUP, {"bill_number": number, "code_key": code_key}).first()
    )
    if row is None:
        raise BillUnknown()
    return PayableBill(
        customer_code=row.customer_code,
        bill_number=row.bill_number,
        holder=initials(row.first_name, row.last_name),
        period=row.period,
        due_on=row.due_on,
        amount_due=row.amount_due,
        supply_point_id=row.supply_point_id,
    )


def pay_bill(
    session: Session,
    *,
    idempotency_key: str,
    customer_code: str,
    bill_number: str,
    amount: Decimal,
    email: str | None,
    gateway: PaymentGateway,
    base_url: str,
    language: str,
) -> intents.Created:
    """A card payment of `amount` towards the bill, through the app's own intents (the same bank
    page, callback and CIS export); `BillUnknown` as the look-up."""
    bill = find_bill(session, customer_code=customer_code, bill_number=bill_number)
    return intents.create_bill_payment(
        session,
        idempotency_key=idempotency_key,
        bill=intents.PaperBill(bill.supply_point_id, bill.customer_code, bill.bill_number),
        amount=amount,
        payer_email=email,
        gateway=gateway,
        base_url=base_url,
        language=language,
    )
