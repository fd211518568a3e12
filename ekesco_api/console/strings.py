"""Every text of the console, translated on the server and handed to the page's script."""

from __future__ import annotations

from flask_babel import LazyString

from ekesco_api.console.disconnection_strings import DISCONNECTION_STRINGS
from ekesco_api.console.request_strings import REQUEST_STRINGS
from ekesco_api.i18n import LANGUAGES, _l, language

# key → English msgid; `make i18n` carries them into the catalogs like every other message.
STRINGS: dict[str, LazyString] = {
    "title": _l("eKesco staff console"),
    "language": _l("Language"),
    "email": _l("E-mail"),
    "password": _l("Password"),
    "log_in": _l("Log in"),
    "log_out": _l("Log out"),
    "logged_in_as": _l("Logged in as"),
    "role_support": _l("Support agent"),
    "role_dispatcher": _l("Dispatcher"),
    "role_admin": _l("Administrator"),
    "tab_customers": _l("Customers"),
    "tab_outages": _l("Outages"),
    "tab_audit": _l("Audit log"),
    "search_by": _l("Search by"),
    "customer_code": _l("Customer code"),
    "personal_number": _l("Personal number"),
    "phone": _l("Phone"),
    "search": _l("Search"),
    "no_customers": _l("No account matches."),
    "account": _l("Account"),
    "holder": _l("Holder in the CIS"),
    "address": _l("Address"),
    "name": _l("Name"),
    "status": _l("Status"),
    "verified": _l("Verified"),
    "not_verified": _l("Not verified"),
    "password_change_pending": _l("Must choose a new password"),
    "pending_change": _l("Waiting for confirmation"),
    "registered_at": _l("Registered"),
    "meters": _l("Meters"),
    "meter_number": _l("Meter number"),
    "reading_mode": _l("Reading"),
    "no_meters": _l("No meters."),
    "codes": _l("Verification codes"),
    "messages": _l("Messages sent"),
    "channel": _l("Channel"),
    "kind": _l("Kind"),
    "purpose": _l("Purpose"),
    "recipient": _l("Recipient"),
    "created": _l("Created"),
    "sent_at": _l("Sent"),
    "attempts": _l("Attempts"),
    "carrier": _l("Operator"),
    "delivery": _l("Delivery"),
    "nothing_yet": _l("Nothing yet."),
    "reset_password": _l("Send a temporary password"),
    "reset_by_sms": _l("by SMS to the registered phone"),
    "reset_by_email": _l("by e-mail to the registered address"),
    "reset_confirm": _l("Send a temporary password to this customer? All their sessions end."),
    "reset_done": _l("A temporary password is on its way to the customer."),
    "contact": _l("Correct contact data"),
    "save": _l("Save"),
    "contact_done": _l("Contact data saved; the customer was told on the old and new address."),
    "remove_registration": _l("Remove this registration"),
    "reason": _l("Reason"),
    "remove": _l("Remove"),
    "remove_confirm": _l("Remove this registration for good? The holder can then register anew."),
    "remove_done": _l("The registration was removed."),
    "area": _l("Area"),
    "choose": _l("Choose…"),
    "outages_here": _l("Outages in this area"),
    "no_outages": _l("No outages."),
    "announce": _l("Announce an outage"),
    "planned": _l("Planned"),
    "unplanned": _l("Unplanned"),
    "starts": _l("Starts"),
    "ends": _l("Ends"),
    "reason_sq": _l("Reason in Albanian"),
    "reason_en": _l("Reason in English"),
    "reason_sr": _l("Reason in Serbian"),
    "announce_done": _l("The outage was announced; the customers concerned are being told."),
    "reschedule": _l("Reschedule"),
    "cancel_outage": _l("Cancel the outage"),
    "cancel_confirm": _l("Cancel this outage? The customers concerned are told."),
    "changed_done": _l("The outage was changed; the customers concerned are being told."),
    "pick_area_first": _l("Pick an area first."),
    "when": _l("When"),
    "who": _l("Who"),
    "action": _l("Action"),
    "whom": _l("Account / code"),
    "outcome": _l("Outcome"),
    "details": _l("Details"),
    "request_id": _l("Request id"),
    "staff_id": _l("Staff id"),
    "account_id": _l("Account id"),
    "from": _l("From"),
    "to": _l("To"),
    "filter": _l("Filter"),
    "previous": _l("Previous"),
    "next": _l("Next"),
    "page": _l("Page"),
    "any": _l("Any"),
    "session_over": _l("Your session has ended. Please log in again."),
    "error": _l("Something went wrong. Please try again."),
}
STRINGS.update(REQUEST_STRINGS)
STRINGS.update(DISCONNECTION_STRINGS)


def catalog() -> dict[str, dict[str, str]]:
    """Every string in every language: the page switches language without a reload."""
    tables: dict[str, dict[str, str]] = {}
    for code in LANGUAGES:
        with language(code):
            tables[code] = {key: str(text) for key, text in STRINGS.items()}
    return tables
