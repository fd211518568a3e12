"""GET /tariffs and GET /tariffs/now: public, dated, money as strings, problems as problem+json."""

from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient

from ekesco_api.tariffs import views as tariff_views

URL = "/api/v1/tariffs"


def household(body: dict) -> dict:
    return next(t for t in body["tariffs"] if t["category"] == "household")


def commercial(body: dict) -> dict:
    return next(t for t in body["tariffs"] if t["category"] == "commercial")


def test_prices_before_and_after_a_decision_date(client: FlaskClient) -> None:
    before = client.get(URL, query_string={"on": "2025-04-30"})
    after = client.get(URL, query_string={"on": "2025-05-01"})
    assert before.status_code == after.status_code == 200

    old, new = household(before.json), household(after.json)
    assert (old["valid_from"], old["valid_to"]) == ("2024-04-01", "2025-04-30")
    assert (new["valid_from"], new["valid_to"]) == ("2025-05-01", None)
    assert old["blocks"] == [
        {
            "block": 1,
            "from_kwh": "0.00",
            "up_to_kwh": "800.00",
            "price_high": "0.07790",
            "price_low": "0.03340",
        },
        {
            "block": 2,
            "from_kwh": "800.00",
            "up_to_kwh": None,
            "price_high": "0.13290",
            "price_low": "0.06260",
        },
    ]
    assert [b["price_high"] for b in new["blocks"]] == ["0.09050", "0.15430"]
    assert [b["price_low"] for b in new["blocks"]] == ["0.03880", "0.07280"]
    assert new["fixed_fee"] == "2.32"
    assert new["vat_percent"] == "8.00"
    assert new["currency"] == "EUR"
    assert new["decision"]["date"] == "2025-04-16"
    assert old["decision"]["number"] == "ERO Board, III session 2024"
    assert old["decision"]["url"].startswith("https://")
    assert new["note"]  # the fee is an estimate, and clients are told


def test_businesses_have_one_block(client: FlaskClient) -> None:
    body = client.get(URL, query_string={"on": "2025-05-01"}).json
    business = commercial(body)
    assert len(business["blocks"]) == 1
    assert business["blocks"][0]["up_to_kwh"] is None
    assert business["note"].startswith("ESTIMATE")


def test_periods_are_the_local_hours_of_that_day(client: FlaskClient) -> None:
    winter = client.get(URL, query_string={"on": "2025-12-01"}).json
    assert winter["zone"] == "Europe/Belgrade"
    assert winter["periods"]["high"] == {"from": "07:00", "to": "22:00"}
    assert winter["periods"]["low"] == {"from": "22:00", "to": "07:00"}
    summer = client.get(URL, query_string={"on": "2025-07-01"}).json
    assert summer["periods"]["high"] == {"from": "08:00", "to": "23:00"}
    # The last winter night ends at the first summer morning's start.
    last_winter_day = client.get(URL, query_string={"on": "2026-03-31"}).json
    assert last_winter_day["periods"]["high"] == {"from": "07:00", "to": "22:00"}
    assert last_winter_day["periods"]["low"] == {"from": "22:00", "to": "08:00"}


def test_the_first_block_tariff_day(client: FlaskClient) -> None:
    response = client.get(URL, query_string={"on": "2022-02-09"})
    assert response.status_code == 200
    first = household(response.json)
    assert first["fixed_fee"] == "1.74"
    assert first["decision"]["number"] == "V_1489_2022"


def test_without_on_it_is_today_in_kosovo(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 23:30 UTC on 31 December 2025 is already New Year's Day in Prishtina.
    now = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(tariff_views, "utcnow", lambda: now)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json["on"] == "2026-01-01"
    assert household(response.json)["valid_from"] == "2025-05-01"


def test_a_day_without_a_tariff_is_404(client: FlaskClient) -> None:
    response = client.get(URL, query_string={"on": "2022-02-08"}, headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "tariff_not_found"
    assert response.json["title"] == "No tariff is in force on that date."


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("sq", "Nuk ka tarifë në fuqi në atë datë."),
        ("sr", "Nijedna tarifa nije na snazi tog datuma."),
    ],
)
def test_404_in_albanian_and_serbian(client: FlaskClient, language: str, title: str) -> None:
    response = client.get(
        URL, query_string={"on": "1999-01-01"}, headers={"Accept-Language": language}
    )
    assert response.status_code == 404
    assert response.json["title"] == title


@pytest.mark.parametrize("bad", ["2025-13-01", "2025-02-30", "yesterday", "30.04.2025", ""])
def test_a_bad_date_is_422(client: FlaskClient, bad: str) -> None:
    response = client.get(URL, query_string={"on": bad})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "validation_error"
    assert "on" in response.json["errors"]


def test_now_says_high_or_low_and_until_when(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 2026-03-28 21:30 UTC = 22:30 CET, low; the clocks go forward that night.
    now = dt.datetime(2026, 3, 28, 21, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(tariff_views, "utcnow", lambda: now)
    response = client.get(f"{URL}/now")
    assert response.status_code == 200
    assert response.json == {
        "period": "low",
        "until": "2026-03-29T07:00:00+02:00",
        "until_utc": "2026-03-29T05:00:00Z",
        "zone": "Europe/Belgrade",
    }


def test_now_in_the_afternoon_of_a_winter_day(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = dt.datetime(2026, 11, 24, 13, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(tariff_views, "utcnow", lambda: now)
    body = client.get(f"{URL}/now").json
    assert body["period"] == "high"
    assert body["until"] == "2026-11-24T22:00:00+01:00"
    assert body["until_utc"] == "2026-11-24T21:00:00Z"


def test_now_with_the_real_clock(client: FlaskClient) -> None:
    body = client.get(f"{URL}/now").json
    assert body["period"] in {"high", "low"}
    until = dt.datetime.fromisoformat(body["until"])
    assert until > dt.datetime.now(dt.UTC)
    assert until == dt.datetime.fromisoformat(body["until_utc"].replace("Z", "+00:00"))


def test_tariffs_need_no_login_and_ignore_a_bad_token(client: FlaskClient) -> None:
    response = client.get(URL, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 200
