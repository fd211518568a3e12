"""Staff members: creating them (the create-staff command) and their login to the console."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ekesco_api.auth.models import KIND_STAFF
from ekesco_api.auth.tokens import start_session
from ekesco_api.db import after_rollback
from ekesco_api.keys import email_key
from ekesco_api.passwords import (
    DUMMY_HASH,
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from ekesco_api.staff import audit
from ekesco_api.staff.audit import Actor, audited
from ekesco_api.staff.errors import InvalidStaffCredentials
from ekesco_api.staff.models import ROLES, StaffMember
from ekesco_api.types import utcnow


class StaffExists(Exception):
    """create-staff for an e-mail that already has a staff member."""


def create_staff(session: Session, *, email: str, role: str, password: str) -> StaffMember:
    """A new staff member; raises WeakPassword, StaffExists or ValueError (unknown role)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    check_password_policy(password, personal=[email])
    key = email_key(email)
    if session.scalar(select(StaffMember.id).where(StaffMember.email_key == key)) is not None:
        raise StaffExists(email)
    member = StaffMember(
        email=email.strip(),
        email_key=key,
        password_hash=hash_password(password),
        role=role,
        active=True,
        created_at=utcnow(),
    )
    session.add(member)
    try:
        session.commit()
    except IntegrityError:
        raise after_rollback(session, StaffExists(email)) from None
    return member


def login(
    session: Session, *, email: str, password: str, request_id: str | None = None
) -> dict[str, Any]:
    """A staff token pair with `role`; one 401 for an unknown e-mail, a wrong password, or a
    switched-off member, after the same argon2 work. Every attempt lands in the audit log."""
    key = email_key(email)
    member = session.scalar(select(StaffMember).where(StaffMember.email_key == key))
    ok = verify_password(member.password_hash if member else DUMMY_HASH, password)
    actor = Actor(
        staff_id=member.id if member else None,
        role=member.role if member else None,
        email=member.email if member else key[:254],
        request_id=request_id,
    )
    with audited(session, actor=actor, action=audit.ACTION_LOGIN):
        if member is None or not ok or not member.active:
            raise InvalidStaffCredentials()
        if needs_rehash(member.password_hash):
            member.password_hash = hash_password(password)
        member.last_login_at = utcnow()
        pair = start_session(session, kind=KIND_STAFF, subject_id=member.id, role=member.role)
    return {**pair, "role": member.role}


def get_staff(session: Session, *, staff_id: int) -> StaffMember | None:
    return session.get(StaffMember, staff_id)
