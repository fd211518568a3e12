"""/staff endpoints: staff login, customer care for support agents, the audit log for admins."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, Page

from ekesco_api.api_docs import documents
from ekesco_api.db import SelectPage
from ekesco_api.errors import TooManyAttempts, ValidationFailed
from ekesco_api.extensions import client_ip, db, limiter
from ekesco_api.keys import email_key, private_key
from ekesco_api.registration.errors import (
    EmailTaken,
    PersonalNumberInvalid,
    PhoneNotKosovoMobile,
    PhoneTaken,
)
from ekesco_api.security.guards import staff_required
from ekesco_api.staff import (
    actors,
    audit,
    customer_care,
    customer_lookup,
    members,
    outage_audit,
    request_ids,
)
from ekesco_api.staff.errors import (
    AccountNotFound,
    InvalidStaffCredentials,
    LookupKeyRequired,
    RegistrationInUse,
    RegistrationNotFound,
)
from ekesco_api.staff.models import ROLE_ADMIN, ROLE_SUPPORT
from ekesco_api.staff.schemas import (
    LOOKUP_KEYS,
    StaffAuditEntrySchema,
    StaffAuditQuerySchema,
    StaffContactUpdateSchema,
    StaffCustomerQuerySchema,
    StaffCustomerSchema,
    StaffLoginSchema,
    StaffMeSchema,
    StaffPasswordResetSchema,
    StaffRegistrationRemoveSchema,
    StaffTokenPairSchema,
)

blp = Blueprint(
    "staff",
    __name__,
    url_prefix="/staff",
    description="Support agents, dispatchers and admins: login, customer care, the audit log.",
)
# Dispatchers' outage actions are audited by a flush listener; importing it installs it.
assert outage_audit.ACTION_OUTAGE_ANNOUNCE

# Defaults when the configuration names no staff-specific limits.
DEFAULT_LOGIN_LIMIT_PER_IP = "60/minute"
DEFAULT_LOGIN_LIMIT_PER_EMAIL = "5/minute;20/hour"


def _email_limit_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    if not isinstance(email, str) or not email:
        return "staff:-"
    return private_key("staff", email_key(email))  # the address itself stays out of Redis


def _login_failed(response: Any) -> bool:
    return bool(response.status_code == InvalidStaffCredentials.status)


@blp.route("/login")
class StaffLogin(MethodView):
    @limiter.limit(
        lambda: current_app.config.get("STAFF_LOGIN_RATE_LIMIT_PER_IP", DEFAULT_LOGIN_LIMIT_PER_IP),
        key_func=client_ip,
    )
    @limiter.limit(
        lambda: current_app.config.get(
            "STAFF_LOGIN_RATE_LIMIT_PER_EMAIL", DEFAULT_LOGIN_LIMIT_PER_EMAIL
        ),
        key_func=_email_limit_key,
        deduct_when=_login_failed,
    )
    @blp.doc(operationId="staffLogin")
    @blp.arguments(StaffLoginSchema)
    @blp.response(200, StaffTokenPairSchema)
    @documents(blp, InvalidStaffCredentials, ValidationFailed, TooManyAttempts)
    def post(self, data: dict[str, Any]) -> Any:
        """Log in as staff

        Answers a token pair like the customers' login, plus the member's `role` (also a claim
        of the access token). Refresh and log out with `POST /auth/refresh` and
        `POST /auth/logout`: staff sessions rotate and end by the same rules. A staff token
        gets 403 on customer routes and a customer token 403 on staff routes. An unknown
        e-mail and a wrong password get the same 401 after the same work; too many failures
        for one e-mail, or too many attempts from one address, give 429. Every attempt is in
        the audit log.
        """
        return members.login(
            db.session(),
            email=data["email"],
            password=data["password"],
            request_id=request_ids.current_request_id(),
        )


@blp.route("/me")
class StaffMe(MethodView):
    @staff_required(blp)
    @blp.doc(operationId="getStaffMe")
    @blp.response(200, StaffMeSchema)
    def get(self) -> Any:
        """Who is logged in (for the console's header)"""
        actor = actors.current_actor()
        return {"id": actor.staff_id, "email": actor.email, "role": actor.role}


@blp.route("/customers")
class Customers(MethodView):
    writes_on_get = True  # the lookup is audited: SQLite must take the writer lock (see db.py)

    @staff_required(blp, ROLE_SUPPORT)
    @blp.doc(operationId="findCustomers")
    @blp.arguments(StaffCustomerQuerySchema, location="query")
    @blp.response(200, StaffCustomerSchema(many=True))
    @documents(blp, LookupKeyRequired, PersonalNumberInvalid, PhoneNotKosovoMobile)
    def get(self, query: dict[str, Any]) -> Any:
        """Find customer accounts (support)

        Give exactly one of `email` (any case), `customer_code` (ignoring case and spaces),
        `personal_number` (the one given at registration or the CIS holder's) or `phone` (any
        usual form); none or several give 422. The list (empty when nothing matches) shows each
        account's contact data, verification state, the meters of its customer code, and the
        delivery of its last verification codes and messages: status, when sent, attempts,
        the SMS operator. Never a code, never a message's text. Each lookup is audited.
        """
        key = next(k for k in LOOKUP_KEYS if k in query)
        return customer_lookup.find_customers(
            db.session(), actor=actors.current_actor(), key=key, value=query[key]
        )


@blp.route("/accounts/<int:account_id>/password-reset")
class AccountPasswordReset(MethodView):
    @staff_required(blp, ROLE_SUPPORT)
    @blp.doc(operationId="resetCustomerPassword")
    @blp.arguments(StaffPasswordResetSchema)
    @blp.response(202)
    @documents(blp, AccountNotFound, ValidationFailed)
    def post(self, data: dict[str, Any], account_id: int) -> Any:
        """Send a customer a temporary password (support)

        A random temporary password goes to the account's registered phone (`sms`) or e-mail
        (`email`), in the account's language; neither this answer nor the audit log holds it.
        Every session of the account ends at once. The customer's next login answers 403
        `password_change_required` with a token pair good only for `PUT /me/password`.
        """
        customer_care.reset_password(
            db.session(),
            actor=actors.current_actor(),
            account_id=account_id,
            channel=data["channel"],
        )
        return current_app.response_class(status=202)


@blp.route("/accounts/<int:account_id>")
class AccountContact(MethodView):
    @staff_required(blp, ROLE_SUPPORT)
    @blp.doc(operationId="correctCustomerContact")
    @blp.arguments(StaffContactUpdateSchema)
    @blp.response(200, StaffCustomerSchema)
    @documents(blp, AccountNotFound, EmailTaken, PhoneTaken, PhoneNotKosovoMobile, ValidationFailed)
    def patch(self, data: dict[str, Any], account_id: int) -> Any:
        """Correct a customer's e-mail or phone (support)

        Takes effect at once (the agent has checked who asks); a change the customer had
        started in the app is dropped. The old and the new address are both told. 409
        `email_taken` / `phone_taken` when another account holds it.
        """
        return customer_care.update_contact(
            db.session(), actor=actors.current_actor(), account_id=account_id, **data
        )


@blp.route("/registrations/<string:customer_code>")
class Registration(MethodView):
    @staff_required(blp, ROLE_SUPPORT)
    @blp.doc(operationId="removeRegistration")
    @blp.arguments(StaffRegistrationRemoveSchema)
    @blp.response(204)
    @documents(blp, RegistrationNotFound, RegistrationInUse, ValidationFailed)
    def delete(self, data: dict[str, Any], customer_code: str) -> None:
        """Remove the registration on a customer code (support)

        Deletes the account registered on the code (ignoring case and spaces) with its
        sessions, codes, reset links and added meters, so that the holder can register anew.
        The message log stays (without the link to the account). `reason` is required and
        goes to the audit log.
        """
        customer_care.remove_registration(
            db.session(),
            actor=actors.current_actor(),
            customer_code=customer_code,
            reason=data["reason"],
        )


@blp.route("/audit-log")
class AuditLog(MethodView):
    @staff_required(blp, ROLE_ADMIN)
    @blp.doc(operationId="listAuditLog")
    @blp.arguments(StaffAuditQuerySchema, location="query")
    @blp.response(200, StaffAuditEntrySchema(many=True))
    @blp.paginate(Page, page_size=50, max_page_size=200)
    @documents(blp, ValidationFailed)
    def get(self, query: dict[str, Any]) -> Any:
        """Read the audit log (admin)

        Every staff action, newest first: who (`staff_id`, `staff_email`, `role`), what
        (`action`: login, customer_lookup, password_reset, contact_update,
        registration_remove), whom (`account_id`, `customer_code`), when, why (`reason`), how
        it ended (`outcome`, `error_code`) and the `request_id` (the `X-Request-ID` answered to
        that request). Filters: `staff_id`, `account_id`, `action`, `outcome`, `from`, `to`.
        The log is append-only (no endpoint changes or deletes an entry) and kept at least 3
        years.
        """
        actors.current_actor()
        return SelectPage(db.session(), audit.audit_log_query(**query))
