"""The texts of the console's Disconnections view (merged into `strings.STRINGS`)."""

from __future__ import annotations

from flask_babel import LazyString

from ekesco_api.i18n import _l

DISCONNECTION_STRINGS: dict[str, LazyString] = {
    "tab_disconnections": _l("Disconnections"),
    "disc_cases": _l("Cases"),
    "disc_overdue_only": _l("Only reconnections past due"),
    "disc_state": _l("State"),
    "disc_amount": _l("Amount due"),
    "disc_warned": _l("Warned"),
    "disc_date": _l("Disconnection date"),
    "disc_due_by": _l("Reconnection due by"),
    "disc_overdue": _l("Overdue"),
    "disc_objection": _l("Objection"),
    "disc_decision_note": _l("Decision (the customer reads it)"),
    "disc_uphold": _l("Uphold"),
    "disc_reject": _l("Reject"),
    "disc_decided": _l("Decided; the customer is being told."),
    "disc_certificate": _l("Medical certificate issued on"),
    "disc_record": _l("Record"),
    "disc_certificate_done": _l("Recorded: the disconnection is postponed by 10 days."),
    "disc_notices": _l("Notices to confirm by phone (Art. 18.2)"),
    "disc_notice_kind": _l("Notice"),
    "disc_confirm_by": _l("Should be received by"),
    "disc_reached_phone": _l("Reached by phone"),
    "disc_receipt_done": _l("Recorded as received."),
    "disc_refused": _l("CIS events the rule refused"),
    "disc_event": _l("Event"),
    "disc_article": _l("Article"),
    "disc_why": _l("Why"),
    "disc_none": _l("Nothing here."),
    "state_none": _l("Ended"),
    "state_warned": _l("Warned"),
    "state_notice_given": _l("Notice given"),
    "state_suspended": _l("Suspended"),
    "state_disconnected": _l("Disconnected"),
    "state_reconnection_due": _l("Reconnection due"),
    "state_reconnected": _l("Reconnected"),
    "notice_warning": _l("Warning"),
    "notice_disconnection": _l("Disconnection notice"),
    "notice_decision": _l("Decision on an objection"),
}
