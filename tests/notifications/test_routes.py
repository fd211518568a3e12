"""/me/devices and /me/notifications: push tokens follow the latest login; the inbox pages."""

from __future__ import annotations

import datetime as dt
import json

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ekesco_api.notifications.models import Device, Notification
from ekesco_api.types import utcnow
from tests.support.areas import account_in, make_tree
from tests.support.auth import auth_headers, dispatcher_headers
from tests.support.outages import announce, outage_body

API = "/api/v1"


def test_a_push_token_moves_to_the_newest_account(client: FlaskClient, db_session: Session) -> None:
    tree = make_tree(db_session)
    first, second = account_in(db_session, tree.north), account_in(db_session, tree.north)
    body = {"platform": "android", "push_token": "fcm-token-1"}
    created = client.post(f"{API}/me/devices", json=body, headers=auth_headers(client, first))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["platform"] == "android"
    moved = client.post(
        f"{API}/me/devices", json={**body, "platform": "ios"}, headers=auth_headers(client, second)
    )
    assert moved.status_code == 201
    devices = db_session.scalars(select(Device).where(Device.push_token == "fcm-token-1")).all()
    assert [(d.account_id, d.platform) for d in devices] == [(second.id, "ios")]
    bad = client.post(
        f"{API}/me/devices",
        json={"platform": "symbian", "push_token": "x"},
        headers=auth_headers(client, first),
    )
    assert bad.status_code == 422


def test_inbox_newest_first_paginated_and_marked_read(
    client: FlaskClient, db_session: Session
) -> None:
    tree = make_tree(db_session)
    headers = dispatcher_headers(db_session)
    account = account_in(db_session, tree.north, language="en")
    stranger = account_in(db_session, tree.other_city)
    for days in (2, 3, 4):
        announce(client, headers, outage_body([tree.north], utcnow() + dt.timedelta(days=days)))
    me = auth_headers(client, account)
    response = client.get(f"{API}/me/notifications?page_size=2", headers=me)
    assert response.status_code == 200
    notes = response.get_json()
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    assert notes[0]["id"] > notes[1]["id"]
    assert set(notes[0]) >= {"id", "kind", "title", "body", "created_at", "read_at"}
    assert (notes[0]["kind"], notes[0]["title"], notes[0]["read_at"]) == (
        "outage_announced",
        "Planned power outage",
        None,
    )
    read = client.post(f"{API}/me/notifications/{notes[0]['id']}/read", headers=me)
    assert read.status_code == 200 and read.get_json()["read_at"] is not None
    other = db_session.scalars(
        select(Notification).where(Notification.account_id == stranger.id)
    ).first()
    assert other is None
    foreign = client.post(
        f"{API}/me/notifications/{notes[0]['id']}/read", headers=auth_headers(client, stranger)
    )
    assert foreign.status_code == 404
    assert client.post(f"{API}/me/notifications/read-all", headers=me).status_code == 204
    all_notes = client.get(f"{API}/me/notifications", headers=me).get_json()
    assert all(n["read_at"] for n in all_notes)
