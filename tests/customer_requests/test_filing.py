"""Filing: the contract's answer, the text rules, the meter check, the receipt, the daily limit,
and references across the new year on the Kosovo clock."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from ekesco_api.customer_requests import filing
from ekesco_api.customer_requests.models import CustomerRequest, RequestCounter
from ekesco_api.notifications.models import Device, Notification, NotificationChannels
from tests.customer_requests.helpers import REQUESTS, file_request
from tests.factories import make_meter, utc
from tests.support.customers import add_meter, make_customer

REFERENCE = re.compile(r"^KS-\d{4}-\d{6}$")


def _number(reference: str) -> int:
    return int(reference.rsplit("-", 1)[1])


def _count(session: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(CustomerRequest)))


def test_a_filing_answers_its_reference_status_and_history(client, customer):
    text = "Fatura e tetorit është dyfish.\nРачун је дупло већи.\tفاتورة 😀"
    response = file_request(
        client,
        customer,
        kind="complaint",
        topic="wrong_payment_code",
        meter_id=customer.meter.id,
        description=text,
    )

    assert response.status_code == 201
    body = response.get_json()
    assert REFERENCE.match(body["reference"])
    assert response.headers["Location"].endswith(f"{REQUESTS}/{body['reference']}")
    assert body["kind"] == "complaint" and body["topic"] == "wrong_payment_code"
    assert body["meter_id"] == customer.meter.id
    assert body["meter_number"] == customer.meter.meter_number
    assert body["description"] == text  # any script, new lines and tabs kept
    assert body["status"] == "received"
    assert body["history"] == [{"status": "received", "at": body["created_at"], "note": None}]


def test_references_follow_each_other_whoever_files(client, db_session, customer):
    other = make_customer(db_session)
    first = file_request(client, customer).get_json()["reference"]
    second = file_request(client, other).get_json()["reference"]
    third = file_request(client, customer, kind="suggestion", topic="other").get_json()["reference"]

    assert [_number(r) for r in (second, third)] == [_number(first) + 1, _number(first) + 2]


@pytest.mark.parametrize(
    ("description", "position"),
    [
        ("before\x00after", 7),
        ("bell\x07", 5),
        ("escape \x1b[31m red", 8),
        ("delete\x7f", 7),
        ("next line \x85 C1", 11),
    ],
)
def test_control_characters_are_refused_with_their_place(client, customer, description, position):
    response = file_request(client, customer, language="en", description=description)

    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "characters_not_allowed"
    assert body["field_codes"] == {"description": ["characters_not_allowed"]}
    assert f"position {position}" in body["errors"]["description"][0]


def test_a_lone_surrogate_is_refused_in_the_callers_language(client, customer):
    raw = '{"kind": "request", "topic": "other", "description": "ok \\ud800 not"}'
    response = client.post(
        REQUESTS,
        data=raw,
        content_type="application/json",
        headers={**customer.headers, "Accept-Language": "sr"},
    )

    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "characters_not_allowed"
    assert "U+D800" in body["errors"]["description"][0]
    assert "nije dozvoljen" in body["errors"]["description"][0]  # Serbian, as asked


def test_a_surrogate_pair_is_one_emoji_and_welcome(client, customer):
    raw = (
        '{"kind": "compliment", "topic": "staff_service", '
        '"description": "Faleminderit \\ud83d\\ude00"}'
    )
    response = client.post(
        REQUESTS, data=raw, content_type="application/json", headers=customer.headers
    )

    assert response.status_code == 201
    assert response.get_json()["description"] == "Faleminderit 😀"


def test_carriage_returns_become_new_lines_and_the_ends_are_trimmed(client, customer):
    response = file_request(client, customer, description="  one\r\ntwo\rthree\t \n ")

    assert response.get_json()["description"] == "one\ntwo\nthree"


@pytest.mark.parametrize(
    ("description", "ok"),
    [
        ("", False),
        ("   \n\t ", False),
        ("x", True),
        ("ë" * 4000, True),
        ("😀" * 4000, True),  # characters, not bytes or UTF-16 units
        ("ë" * 4001, False),
    ],
)
def test_a_description_holds_1_to_4000_characters(client, customer, description, ok):
    response = file_request(client, customer, description=description)

    assert response.status_code == (201 if ok else 422)
    if not ok:
        assert "description" in response.get_json()["errors"]


def test_kind_topic_and_description_are_required_and_from_the_lists(client, customer):
    response = client.post(
        REQUESTS,
        json={"kind": "praise", "topic": "weather", "meter_id": "3"},
        headers={**customer.headers, "Accept-Language": "en"},
    )

    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"kind", "topic", "meter_id", "description"}


def test_another_accounts_meter_is_not_found_and_nothing_is_filed(client, db_session, customer):
    stranger = make_customer(db_session)
    db_session.commit()  # the refusal rolls back: keep the set-up
    before = _count(db_session)

    theirs = file_request(client, customer, meter_id=stranger.meter.id)
    nowhere = file_request(client, customer, meter_id=10**9)

    assert theirs.status_code == nowhere.status_code == 404
    assert theirs.get_json() == nowhere.get_json()  # nothing tells the two apart
    assert theirs.get_json()["code"] == "meter_not_found"
    assert _count(db_session) == before
    assert db_session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_meter_the_account_added_may_be_named(client, db_session, customer):
    added = make_meter(db_session)
    assert add_meter(client, customer, added).status_code == 201

    response = file_request(client, customer, topic="meter_problem", meter_id=added.id)

    assert response.status_code == 201
    assert response.get_json()["meter_number"] == added.meter_number


# --- the receipt -------------------------------------------------------------------------------


def test_the_receipt_reaches_the_inbox_and_email_by_default(client, db_session, customer, outbox):
    reference = file_request(client, customer).get_json()["reference"]

    [note] = db_session.scalars(
        select(Notification).where(Notification.account_id == customer.account.id)
    ).all()
    assert note.kind == "request_received"
    assert reference in note.title and reference in note.body
    assert "E morëm ankesën tuaj" in note.body  # the account's language: Albanian
    [email] = outbox.email
    assert email["to"] == customer.account.email and reference in email["body"]
    assert outbox.sms == [] and outbox.push == []


def test_the_receipt_follows_the_chosen_channels_in_the_accounts_language(
    client, db_session, outbox
):
    serbian = make_customer(db_session, language="sr")
    db_session.add(NotificationChannels(account_id=serbian.account.id, sms=True, push=True))
    db_session.add(Device(account_id=serbian.account.id, platform="ios", push_token="tok-sr"))
    db_session.flush()

    headers = {**serbian.headers, "Accept-Language": "en"}  # the request's language is not it
    reference = client.post(
        REQUESTS,
        json={"kind": "request", "topic": "reconnection", "description": "Molim"},
        headers=headers,
    ).get_json()["reference"]

    [sms] = outbox.sms
    [push] = outbox.push
    assert sms["to"] == serbian.account.phone and push["to"] == "tok-sr"
    for message in (sms, push):
        assert reference in message["body"]
        assert "Primili smo vaš zahtev" in message["body"]
        assert "ponovno priključenje" in message["body"]
    assert outbox.email == []  # not chosen


def test_chosen_push_without_a_device_falls_back_to_email(client, db_session, outbox):
    customer = make_customer(db_session, language="en")
    db_session.add(NotificationChannels(account_id=customer.account.id, push=True))
    db_session.flush()

    reference = file_request(client, customer).get_json()["reference"]

    [email] = outbox.email
    assert email["subject"] == f"Received: {reference}"
    assert email["body"].startswith("We received your complaint.")


# --- the daily limit ---------------------------------------------------------------------------


def test_past_the_daily_limit_the_answer_is_429_until_local_midnight(
    app, client, db_session, customer, monkeypatch
):
    monkeypatch.setitem(app.config, "REQUESTS_PER_DAY", 2)
    other = make_customer(db_session)
    db_session.commit()  # the refusal rolls back: keep the set-up
    first = file_request(client, customer)
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert file_request(client, customer, description="\x00").status_code == 422  # not counted
    assert file_request(client, customer).headers["X-RateLimit-Remaining"] == "0"
    before = _count(db_session)

    refused = file_request(client, customer)

    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Limit"] == "2"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    body = refused.get_json()
    assert body["code"] == "request_limit_reached" and body["limit"] == 2
    assert 0 < int(refused.headers["Retry-After"]) <= 25 * 3600
    assert body["retry_after"] == int(refused.headers["Retry-After"])
    assert _count(db_session) == before  # nothing written
    assert file_request(client, other).status_code == 201  # per account


def test_with_the_abuse_limits_off_there_is_no_daily_limit(app, client, customer, monkeypatch):
    monkeypatch.setitem(app.config, "REQUESTS_PER_DAY", 1)
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", False)

    answers = [file_request(client, customer) for _ in range(3)]

    assert [a.status_code for a in answers] == [201, 201, 201]
    assert "X-RateLimit-Remaining" not in answers[-1].headers


def test_the_limit_counts_the_kosovo_day_and_retry_after_ends_at_its_midnight(db_session, customer):
    account_id = customer.account.id
    late = utc(2031, 3, 4, 22, 30)  # 23:30 in Prishtina (CET)
    filing.file_request(
        db_session,
        account_id=account_id,
        kind="request",
        topic="other",
        description="a",
        now=late - dt.timedelta(hours=1),
        limit=1,
    )
    with pytest.raises(filing.DailyLimitReached) as refused:
        filing.file_request(
            db_session,
            account_id=account_id,
            kind="request",
            topic="other",
            description="b",
            now=late,
            limit=1,
        )
    assert refused.value.headers["Retry-After"] == str(30 * 60)  # midnight local = 23:00 UTC

    next_day = filing.file_request(
        db_session,
        account_id=account_id,
        kind="request",
        topic="other",
        description="c",
        now=utc(2031, 3, 4, 23, 0),
        limit=1,
    )
    assert next_day.request.status == "received"
    assert next_day.quota is not None and next_day.quota.headers()["X-RateLimit-Remaining"] == "0"


# --- the new year ------------------------------------------------------------------------------


def test_references_start_again_at_the_kosovo_new_year(db_session, customer):
    def filed_at(moment: dt.datetime) -> str:
        return filing.file_request(
            db_session,
            account_id=customer.account.id,
            kind="request",
            topic="other",
            description="x",
            now=moment,
            limit=None,
        ).request.reference

    # Winter: Prishtina is UTC+1, so local 31 Dec 23:59 is 22:59 UTC and the local new year
    # begins at 23:00 UTC, while the UTC date is still the 31st.
    last_of_2030 = filed_at(utc(2030, 12, 31, 22, 59))
    first_of_2031 = filed_at(utc(2030, 12, 31, 23, 0))
    second_of_2031 = filed_at(utc(2030, 12, 31, 23, 30))

    assert last_of_2030.startswith("KS-2030-")
    assert first_of_2031 == "KS-2031-000001"
    assert second_of_2031 == "KS-2031-000002"
    counters = {
        row.year: row.last_number
        for row in db_session.execute(select(RequestCounter.year, RequestCounter.last_number))
    }
    assert counters[2031] == 2 and counters[2030] == _number(last_of_2030)
