"""Why the rule refuses an event (`rules.Refusal.code`), in words for the import's report and
for staff, in sq, en and sr."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString

from ekesco_api.i18n import _l, language

REFUSALS: dict[str, LazyString] = {
    "ero_event_changed": _l("Event %(value)s was applied before with other values."),
    "ero_event_in_future": _l("The %(event)s is dated in the future (%(at)s)."),
    "ero_case_open": _l("A warning while a disconnection case is open (%(state)s)."),
    "ero_out_of_order": _l("A %(event)s cannot follow a case in state %(state)s."),
    "ero_before_last_event": _l("The event is dated before the case's last event (%(last)s)."),
    "ero_no_warning": _l("Art. %(article)s: a disconnection notice needs a warning first."),
    "ero_no_notice": _l("Art. %(article)s: a disconnection needs a disconnection notice first."),
    "ero_not_disconnected": _l("Art. %(article)s: a reconnection of a case not disconnected."),
    "ero_warning_period": _l(
        "Art. %(article)s: the notice comes before the warning's 15 days have passed; it may "
        "come from %(allowed_from)s."
    ),
    "ero_warning_not_received": _l(
        "Art. %(article)s: the warning is not shown received, so the time to object has not "
        "begun; no notice may follow yet."
    ),
    "ero_objection_period": _l(
        "Art. %(article)s: the notice comes while the customer may still object; it may come "
        "from %(allowed_from)s."
    ),
    "ero_notice_date": _l(
        "Art. %(article)s: the date in the notice is sooner than 3 days after it; the earliest "
        "is %(allowed_from)s."
    ),
    "ero_notice_not_received": _l(
        "Art. %(article)s: the disconnection notice is not shown received, so no disconnection "
        "date may be reached."
    ),
    "ero_decision_not_received": _l(
        "Art. %(article)s: the decision on the customer's objection is not shown received yet."
    ),
    "ero_too_soon": _l(
        "Art. %(article)s: the disconnection comes too soon; it may come from %(allowed_from)s."
    ),
    "ero_paid": _l("Art. %(article)s: a payment covering the debt stands."),
    "ero_agreement_active": _l("Art. %(article)s: a payment agreement is in force."),
    "ero_bill_disputed": _l("Art. %(article)s: a disputed bill is under review."),
    "ero_objection_open": _l("Art. %(article)s: a written objection is under investigation."),
    "ero_medical_postponement": _l("Art. %(article)s: a medical certificate postpones it."),
}


def refusal_message(code: str, params: dict[str, Any], lang: str) -> str:
    with language(lang):
        text = REFUSALS.get(code)
        return str(text) % params if text is not None else code
