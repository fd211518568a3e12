"""The outage endpoints: dispatchers' changes, public lists, ICS, /me pieces."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ekesco_api.notifications.models import Message
from ekesco_api.outages.models import Outage
from ekesco_api.types import utcnow
from tests.support.areas import account_in, make_tree
from tests.support.auth import auth_headers, dispatcher_headers
from tests.support.outages import REASON, announce, iso, outage_body

API = "/api/v1"


# ------------------------------------------------------------------------ dispatcher routes


def test_announce_notice_boundary_over_http(client: FlaskClient, db_session: Session) -> None:
    tree = make_tree(db_session)
    headers = dispatcher_headers(db_session)
    short = client.post(
        f"{API}/staff/outages",
        json=outage_body([tree.north], utcnow() + dt.timedelta(hours=23, minutes=59)),
        headers=headers,
    )
    assert short.status_code == 422
    assert short.get_json()["code"] == "notice_too_short"
    ok = announce(
        client, headers, outage_body([tree.north], utcnow() + dt.timedelta(hours=24, minutes=1))
    )
    assert ok["status"] == "scheduled"
    assert ok["kind"] == "planned"
    assert ok["reason"] == REASON
    assert [a["id"] for a in ok["areas"]] == [tree.north.id]
    fault = announce(client, headers, outage_body([tree.north], utcnow(), kind="unplanned"))
    assert fault["kind"] == "unplanned"


def test_announce_validation(client: FlaskClient, db_session: Session) -> None:
    tree = make_tree(db_session)
    headers = dispatcher_headers(db_session)
    start = utcnow() + dt.timedelta(days=2)
    backwards = outage_body([tree.north], start, hours=0)
    response = client.post(f"{API}/staff/outages", json=backwards, headers=headers)
    assert (response.status_code, response.get_json()["code"]) == (422, "ends_before_start")
    unknown = outage_body([tree.north], start)
    unknown["area_ids"] = [tree.north.id, 987654]
    response = client.post(f"{API}/staff/outages", json=unknown, headers=headers)
    assert (response.status_code, response.get_json()["code"]) == (422, "area_unknown")
    no_sr = outage_body([tree.north], start, reason={"sq": "a", "en": "b"})
    response = client.post(f"{API}/staff/outages", json=no_sr, headers=headers)
    assert (response.status_code, response.get_json()["code"]) == (422, "validation_error")


def test_only_dispatchersannounce(client: FlaskClient, db_session: Session) -> None:
    tree = make_tree(db_session)
    body = outage_body([tree.north], utcnow() + dt.timedelta(days=2))
    assert client.post(f"{API}/staff/outages", json=body).status_code == 401
    support = dispatcher_headers(db_session, role="support")
    assert client.post(f"{API}/staff/outages", json=body, headers=support).status_code == 403
    customer = account_in(db_session, tree.north)
    as_customer = auth_headers(client, customer)
    assert client.post(f"{API}/staff/outages", json=body, headers=as_customer).status_code == 403


def test_reschedule_and_cancel_over_http(client: FlaskClient, db_session: Session) -> None:
    tree = make_tree(db_session)
    headers = dispatcher_headers(db_session)
    account = account_in(db_session, tree.north, language="en", channels=("sms",))
    outage = announce(client, headers, outage_body([tree.city], utcnow() + dt.timedelta(days=2)))
    url = f"{API}/staff/outages/{outage['id']}"
    new_start = utcnow() + dt.timedelta(days=3)
    moved = client.patch(
        url,
        json={"starts_at": iso(new_start), "ends_at": iso(new_start + dt.timedelta(hours=1))},
        headers=headers,
    )
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["status"], moved.get_json()["sequence"]) == ("rescheduled", 1)
    mixed = client.patch(url, json={"status": "cancelled", "reason": REASON}, headers=headers)
    assert mixed.status_code == 422
    cancelled = client.patch(url, json={"status": "cancelled"}, headers=headers)
    assert cancelled.get_json()["status"] == "cancelled"
    again = client.patch(url, json={"status": "cancelled"}, headers=headers)
    assert (again.status_code, again.get_json()["code"]) == (409, "outage_closed")
    assert (
        client.patch(
            f"{API}/staff/outages/987654", json={"status": "cancelled"}, headers=headers
        ).status_code
        == 404
    )
    kinds = [
        m.kind
        for m in db_session.scalars(
            select(Message).where(Message.account_id == account.id).order_by(Message.id)
        )
    ]
    assert kinds == ["outage_announced", "outage_rescheduled", "outage_cancelled"]


# --------------------------------------------------------------------------- public lists


def test_public_list_filters_by_area_and_keeps_history(
    client: FlaskClient, db_session: Session
) -> None:
    tree = make_tree(db_session)
    headers = dispatcher_headers(db_session)
    city_wide = announce(client, headers, outage_body([tree.city], utcnow() + dt.timedelta(days=2)))
    south = announce(client, headers, outage_body([tree.south], utcnow() + dt.timedelta(days=3)))
    elsewhere = announce(
        client, headers, outage_body([tree.other_city], utcnow() + dt.timedelta(days=4))
    )
    past = announce(
        client,
        headers,
        outage_body([tree.north], utcnow() - dt.timedelta(hours=3), hours=1, kind="unplanned"),
    )

    def ids(query: str) -> list[int]:
        response = client.get(f"{API}/outages{query}")
        assert response.status_code == 200, response.get_json()
        return [o["id"] for o in response.get_json()]

    assert ids("") == [city_wide["id"], south["id"], elsewhere["id"]]
    # A neighbourhood sees the outage of its city; the city sees its neighbourhood's.
    assert ids(f"?area_id={tree.north.id}") == [city_wide["id"]]
    assert ids(f"?area_id={tree.city.id}") == [city_wide["id"], south["id"]]
    history = client.get(f"{API}/outages?status=completed").get_json()
    assert [(o["id"], o["status"]) for o in history] == [(past["id"], "completed")]
    since, until = utcnow() - dt.timedelta(days=1), utcnow() + dt.timedelta(days=2, hours=1)
    window = f"?from={iso(since)}&to={iso(until)}"
    assert ids(window.replace("+", "%2B")) == [past["id"], city_wide["id"]]
    page = client.get(f"{API}/outages?page=1&page_size=2")
    assert len(page.get_json()) == 2
    assert json.loads(page.headers["X-Pagination"])["total"] == 3


def test_my_outages_follow_meters_and_subscriptions(
    client: FlaskClient, db_session: Session
) -> None:
    tree = make_tree(db_session)
    headers = dispatcher_headers(db_session)
    account = account_in(db_session, tree.north)
    mine = announce(client, headers, outage_body([tree.locality], utcnow() + dt.timedelta(days=2)))
    announce(client, headers, outage_body([tree.south], utcnow() + dt.timedelta(days=2)))
    followed = announce(
        client, headers, outage_body([tree.other_city], utcnow() + dt.timedelta(days=3))
    )
    me = auth_headers(client, account)
    assert [o["id"] for o in client.get(f"{API}/me/outages", headers=me).get_json()] == [mine["id"]]
    put = client.put(
        f"{API}/me/subscriptions",
        json={"area_ids": [tree.other_city.id], "channels": ["sms", "push"]},
        headers=me,
    )
    assert put.status_code == 200, put.get_json()
    assert put.get_json() == {
        "area_ids": [tree.other_city.id],
        "channels": ["push", "sms"],
        "meter_area_ids": [tree.north.id],
    }
    got = client.get(f"{API}/me/outages", headers=me).get_json()
    assert [o["id"] for o in got] == [mine["id"], followed["id"]]
    assert client.get(f"{API}/me/subscriptions", headers=me).get_json() == put.get_json()
    bad = client.put(
        f"{API}/me/subscriptions", json={"area_ids": [987654], "channels": []}, headers=me
    )
    assert (bad.status_code, bad.get_json()["code"]) == (422, "area_unknown")
    bad = client.put(
        f"{API}/me/subscriptions", json={"area_ids": [], "channels": ["fax"]}, headers=me
    )
    assert bad.status_code == 422


# ----------------------------------------------------------------------------------- the ICS


def test_calendar_feed_parses_back(client: FlaskClient, db_session: Session) -> None:
    tree = make_tree(db_session)
    headers = dispatcher_headers(db_session)
    start = (utcnow() + dt.timedelta(days=2)).replace(microsecond=0)
    kept = announce(client, headers, outage_body([tree.north], start))
    dropped = announce(client, headers, outage_body([tree.south], start))
    other = announce(client, headers, outage_body([tree.other_city], start))
    new_start = start + dt.timedelta(days=1)
    client.patch(
        f"{API}/staff/outages/{kept['id']}",
        json={"starts_at": iso(new_start), "ends_at": iso(new_start + dt.timedelta(hours=2))},
        headers=headers,
    )
    client.patch(
        f"{API}/staff/outages/{dropped['id']}", json={"status": "cancelled"}, headers=headers
    )

    response = client.get(
        f"{API}/outages/calendar.ics?area_id={tree.locality.id}", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    events = {str(e["UID"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}
    assert set(events) == {
        f"outage-{kept['id']}@outages.ekesco.api",
        f"outage-{dropped['id']}@outages.ekesco.api",
    }
    moved = events[f"outage-{kept['id']}@outages.ekesco.api"]
    assert moved.decoded("DTSTART") == new_start
    assert int(moved["SEQUENCE"]) == 1
    assert str(moved["STATUS"]) == "CONFIRMED"
    assert str(moved["SUMMARY"]) == "Planned power outage"
    assert str(moved["DESCRIPTION"]) == REASON["en"]
    cancelled = events[f"outage-{dropped['id']}@outages.ekesco.api"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 1
    whole = Calendar.from_ical(client.get(f"{API}/outages/calendar.ics").data)
    assert f"outage-{other['id']}@outages.ekesco.api" in {
        str(e["UID"]) for e in whole.walk("VEVENT")
    }


def test_outage_reminders_command(runner: Any, db_session: Session) -> None:
    result = runner.invoke(args=["ekesco", "outage-reminders"])
    assert result.exit_code == 0, result.output
    assert "reminded" in result.output


# ------------------------------------------------------------------- dates within a year

YEAR = dt.timedelta(days=366)
HOUR = dt.timedelta(hours=1)


def _window_body(tree: Any, starts_at: Any, ends_at: Any) -> dict[str, Any]:
    # Unplanned, so that a start in the past is the window's business, not the notice's.
    body = outage_body([tree.north], utcnow(), kind="unplanned")
    body.update(starts_at=starts_at, ends_at=ends_at)
    return body


def test_announced_dates_lie_within_a_year_either_way(
    client: FlaskClient, db_session: Session
) -> None:
    tree = make_tree(db_session)
    headers = dispatcher_headers(db_session)
    now = utcnow()
    inside = [
        (now + YEAR - 5 * HOUR, now + YEAR - HOUR),  # the latest start and end
        (now - YEAR + HOUR, now - YEAR + 2 * HOUR),  # the earliest start and end
    ]
    for starts_at, ends_at in inside:
        body = _window_body(tree, iso(starts_at), iso(ends_at))
        response = client.post(f"{API}/staff/outages", json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
    outside = [
        (iso(now + YEAR + HOUR), iso(now + YEAR + 2 * HOUR), "date_too_far_ahead", 2),
        (iso(now + YEAR - HOUR), iso(now + YEAR + HOUR), "date_too_far_ahead", 1),
        ("9999-12-31T20:00:00Z", "9999-12-31T23:00:00Z", "date_too_far_ahead", 2),
        (iso(now - YEAR - HOUR), iso(now - YEAR + HOUR), "date_too_far_back", 1),
        ("0001-01-01T00:00:00Z", "0001-01-01T05:00:00Z", "date_too_far_back", 2),
    ]
    for starts_at, ends_at, code, count in outside:
        body = _window_body(tree, starts_at, ends_at)
        response = client.post(f"{API}/staff/outages", json=body, headers=headers)
        assert response.status_code == 422, (starts_at, ends_at)
        wrong = {"starts_at": [code], "ends_at": [code]}
        if count == 1:  # only the field past the bound
            wrong.pop("ends_at" if code == "date_too_far_back" else "starts_at")
        assert response.get_json()["field_codes"] == wrong
    assert db_session.scalar(select(func.count()).select_from(Outage)) == len(inside)


def test_a_date_out_of_the_window_is_explained_in_the_callers_language(
    client: FlaskClient, db_session: Session
) -> None:
    tree = make_tree(db_session)
    headers = dispatcher_headers(db_session)
    body = _window_body(tree, "2062-01-10T08:00:00Z", "2062-01-10T12:00:00Z")
    messages = {}
    for language in ("en", "sq", "sr"):
        response = client.post(
            f"{API}/staff/outages", json=body, headers={**headers, "Accept-Language": language}
        )
        assert response.get_json()["code"] == "date_too_far_ahead"
        [messages[language]] = response.get_json()["errors"]["starts_at"]
    assert messages["en"] == "This date is more than a year ahead. Check the year."
    assert messages["sq"] == "Kjo datë është më shumë se një vit përpara. Kontrolloni vitin."
    assert messages["sr"] == "Ovaj datum je više od godinu dana unapred. Proverite godinu."


def test_rescheduled_dates_lie_within_a_year_either_way(
    client: FlaskClient, db_session: Session
) -> None:
    tree = make_tree(db_session)
    headers = dispatcher_headers(db_session)
    now = utcnow()
    outage = announce(client, headers, outage_body([tree.city], now + dt.timedelta(days=2)))
    url = f"{API}/staff/outages/{outage['id']}"
    refused = [
        ({"starts_at": "9999-12-31T20:00:00Z"}, "starts_at", "date_too_far_ahead"),
        ({"starts_at": iso(now + YEAR + HOUR)}, "starts_at", "date_too_far_ahead"),
        ({"ends_at": iso(now + YEAR + HOUR)}, "ends_at", "date_too_far_ahead"),
        ({"ends_at": "0001-01-01T05:00:00Z"}, "ends_at", "date_too_far_back"),
        ({"starts_at": iso(now - YEAR - HOUR)}, "starts_at", "date_too_far_back"),
    ]
    for change, field, code in refused:
        response = client.patch(url, json=change, headers=headers)
        assert (response.status_code, response.get_json()["code"]) == (422, code), change
        assert response.get_json()["field_codes"] == {field: [code]}
    latest = {"starts_at": iso(now + YEAR - 5 * HOUR), "ends_at": iso(now + YEAR - HOUR)}
    moved = client.patch(url, json=latest, headers=headers)
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["sequence"] == 1  # the refused ones changed nothing
