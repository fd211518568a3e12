"""/me/notification-preferences: the channels besides the inbox, and the news switched off."""

from __future__ import annotations

import pytest

from ekesco_api.extensions import db
from ekesco_api.notifications.preferences import SWITCHABLE_KINDS
from ekesco_api.notifications.schemas import KindsSchema
from tests.concurrency import run_at_once
from tests.factories import make_account
from tests.support.auth import token_headers

PREFERENCES = "/api/v1/me/notification-preferences"


def test_every_kind_is_on_and_only_the_inbox_is_chosen_at_first(client, db_session):
    headers = token_headers(db_session, make_account(db_session))
    response = client.get(PREFERENCES, headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {
        "channels": [],
        "kinds": {"bill_issued": True, "bill_due": True},
    }


def test_a_kind_switched_off_stays_off_until_switched_on(client, db_session):
    headers = token_headers(db_session, make_account(db_session))
    for _twice in range(2):  # switching off what is off is no error
        response = client.patch(PREFERENCES, json={"kinds": {"bill_due": False}}, headers=headers)
        assert response.status_code == 200
        assert response.get_json()["kinds"] == {"bill_issued": True, "bill_due": False}
    response = client.patch(PREFERENCES, json={"channels": ["sms", "push"]}, headers=headers)
    assert response.get_json() == {
        "channels": ["push", "sms"],
        "kinds": {"bill_issued": True, "bill_due": False},
    }
    response = client.patch(PREFERENCES, json={"kinds": {"bill_due": True}}, headers=headers)
    assert response.get_json()["kinds"] == {"bill_issued": True, "bill_due": True}
    assert client.get(PREFERENCES, headers=headers).get_json()["channels"] == ["push", "sms"]


def test_only_switchable_kinds_and_known_channels_are_taken(client, db_session):
    headers = token_headers(db_session, make_account(db_session))
    for body in (
        {"kinds": {"password_reset": False}},
        {"kinds": {"bill_due": "maybe"}},
        {"channels": ["fax"]},
    ):
        response = client.patch(PREFERENCES, json=body, headers=headers)
        assert (response.status_code, response.get_json()["code"]) == (422, "validation_error")


def test_the_schema_names_every_switchable_kind():
    assert set(KindsSchema().fields) == set(SWITCHABLE_KINDS)


@pytest.mark.race
def test_two_devices_choosing_channels_for_the_first_time_at_once_both_succeed(app):
    with app.app_context():
        account = make_account(db.session)
        headers = token_headers(db.session, account)
        db.session.commit()

    def choose(index):
        channels = [["sms"], ["email"]][index % 2]
        return app.test_client().patch(PREFERENCES, json={"channels": channels}, headers=headers)

    answers = run_at_once(6, choose)

    assert [a.status_code for a in answers] == [200] * 6
    with app.app_context():
        final = app.test_client().get(PREFERENCES, headers=headers).get_json()["channels"]
        assert final in (["sms"], ["email"])
