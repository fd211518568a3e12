"""/me/devices, /me/notifications and /me/notification-preferences: the customer's push
devices, in-app inbox, and what news they get where."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, Page

from ekesco_api.api_docs import documents
from ekesco_api.db import SelectPage
from ekesco_api.errors import ValidationFailed
from ekesco_api.extensions import db
from ekesco_api.notifications import inbox, preferences
from ekesco_api.notifications.errors import NotificationNotFound
from ekesco_api.notifications.schemas import (
    DeviceSchema,
    NotificationPreferencesSchema,
    NotificationSchema,
)
from ekesco_api.security.guards import current_account_id, customer_required

blp = Blueprint(
    "me-notifications",
    __name__,
    url_prefix="/me",
    description="The customer's push devices, inbox and notification preferences.",
)


@blp.route("/devices")
class MyDevices(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="registerDevice")
    @blp.arguments(DeviceSchema)
    @blp.response(201, DeviceSchema)
    @documents(blp, ValidationFailed)
    def post(self, data: dict[str, Any]) -> Any:
        """Register a push token

        A token already registered by another account moves to this one (the phone changed
        hands or its user logged in as someone else): pushes follow the latest login.
        """
        return preferences.register_device(
            db.session(),
            account_id=current_account_id(),
            platform=data["platform"],
            push_token=data["push_token"],
        )


@blp.route("/notifications")
class MyNotifications(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="listMyNotifications")
    @blp.response(200, NotificationSchema(many=True))
    @blp.paginate(Page, page_size=20, max_page_size=100)
    def get(self) -> Any:
        """The in-app inbox, newest first"""
        session = db.session()
        return SelectPage(session, inbox.inbox(session, account_id=current_account_id()))


@blp.route("/notifications/<int:notification_id>/read")
class MyNotificationRead(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="markNotificationRead")
    @blp.response(200, NotificationSchema)
    @documents(blp, NotificationNotFound)
    def post(self, notification_id: int) -> Any:
        """Mark one notification read (again: no change)"""
        return inbox.mark_read(
            db.session(), account_id=current_account_id(), notification_id=notification_id
        )


@blp.route("/notifications/read-all")
class MyNotificationsReadAll(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="markAllNotificationsRead")
    @blp.response(204)
    def post(self) -> None:
        """Mark every notification read"""
        inbox.mark_all_read(db.session(), account_id=current_account_id())


@blp.route("/notification-preferences")
class MyNotificationPreferences(MethodView):
    @customer_required(blp)
    @blp.doc(operationId="getMyNotificationPreferences")
    @blp.response(200, NotificationPreferencesSchema)
    def get(self) -> Any:
        """What news the customer gets, and where

        `channels`: where news goes besides the in-app inbox, which every account has (`push`
        to each registered device, `sms`, `email`). `kinds`: the news that can be switched off,
        each `true` while it is on: `bill_issued` (a new bill, with its amount and due date)
        and `bill_due` (three days before a bill is due, while money is still owed). What the
        supplier must tell (codes, password changes, outages, disconnection notices) cannot be
        switched off.
        """
        return preferences.preferences_of(db.session(), account_id=current_account_id())

    @customer_required(blp)
    @blp.doc(operationId="updateMyNotificationPreferences")
    @blp.arguments(NotificationPreferencesSchema)
    @blp.response(200, NotificationPreferencesSchema)
    @documents(blp, ValidationFailed)
    def patch(self, data: dict[str, Any]) -> Any:
        """Switch channels or kinds of news on or off

        Only what is sent changes: `channels` replaces the chosen channels (as `PUT
        /me/subscriptions` does), and each kind named in `kinds` is switched on (`true`) or
        off (`false`); the others stay as they were. Answers the preferences as they now stand.
        """
        return preferences.set_preferences(
            db.session(),
            account_id=current_account_id(),
            channels=data.get("channels"),
            kinds=data.get("kinds"),
        )
