"""The SMS gateway and push clients, against httpx.MockTransport: no network."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from ekesco_api.adapters.base import HTTP_TIMEOUT, DeliveryError, PermanentDeliveryError
from ekesco_api.adapters.push import FcmPushSender
from ekesco_api.adapters.sms import HttpSmsSender

TOKEN = "s3cret-gateway-token"


class Recorder:
    """A MockTransport handler that remembers each request and answers as told."""

    def __init__(self, respond: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.respond = respond or (lambda request: httpx.Response(202, json={"id": "m-1"}))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.respond(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def sms(recorder: Recorder) -> HttpSmsSender:
    return HttpSmsSender("https://sms.example/v1/messages", TOKEN, transport=recorder.transport)


def push(recorder: Recorder) -> FcmPushSender:
    return FcmPushSender("https://push.example/v1/send", TOKEN, transport=recorder.transport)


def test_timeouts_are_explicit() -> None:
    assert HTTP_TIMEOUT.connect is not None and HTTP_TIMEOUT.connect <= 10
    assert HTTP_TIMEOUT.read is not None and HTTP_TIMEOUT.read <= 30
    assert sms(Recorder()).timeout is HTTP_TIMEOUT


def test_sms_is_posted_as_json_with_a_bearer_token() -> None:
    recorder = Recorder()
    sms(recorder).send(to="+38344123456", body="Kodi juaj: 482913 — eKesco")

    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == "https://sms.example/v1/messages"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {
        "to": "+38344123456",
        "body": "Kodi juaj: 482913 — eKesco",
    }


def test_push_is_an_fcm_style_message() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, json={"name": "projects/x/messages/1"}))
    push(recorder).send(to="device-token", subject="Ndërprerje", body="Nesër 10–12")
    push(recorder).send(to="device-token", body="Pa titull")

    first, second = (json.loads(r.content) for r in recorder.requests)
    assert first == {
        "message": {
            "token": "device-token",
            "notification": {"title": "Ndërprerje", "body": "Nesër 10–12"},
        }
    }
    assert second == {"message": {"token": "device-token", "notification": {"body": "Pa titull"}}}
    assert recorder.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("make", [sms, push], ids=["sms", "push"])
@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_a_gateway_in_trouble_is_worth_retrying(make: Callable[..., object], status: int) -> None:
    recorder = Recorder(lambda request: httpx.Response(status, text=f"token {TOKEN} rejected"))
    with pytest.raises(DeliveryError) as caught:
        make(recorder).send(to="x", body="y")  # type: ignore[attr-defined]

    assert not isinstance(caught.value, PermanentDeliveryError)
    assert f"HTTP {status}" in str(caught.value)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize("make", [sms, push], ids=["sms", "push"])
@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_a_refused_request_is_final(make: Callable[..., object], status: int) -> None:
    recorder = Recorder(lambda request: httpx.Response(status))
    with pytest.raises(PermanentDeliveryError, match=f"HTTP {status}"):
        make(recorder).send(to="x", body="y")  # type: ignore[attr-defined]


@pytest.mark.parametrize("make", [sms, push], ids=["sms", "push"])
@pytest.mark.parametrize(
    ("error", "words"),
    [(httpx.ConnectError, "unreachable"), (httpx.ReadTimeout, "timed out")],
)
def test_network_failures_are_worth_retrying(
    make: Callable[..., object], error: type[httpx.TransportError], words: str
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error(f"cannot reach {request.url}?token={TOKEN}", request=request)

    with pytest.raises(DeliveryError, match=words) as caught:
        make(Recorder(fail)).send(to="x", body="y")  # type: ignore[attr-defined]
    assert not isinstance(caught.value, PermanentDeliveryError)
    assert TOKEN not in str(caught.value)


def test_no_authorization_header_without_a_token() -> None:
    recorder = Recorder()
    HttpSmsSender("https://sms.example/send", "", transport=recorder.transport).send(
        to="x", body="y"
    )
    assert "Authorization" not in recorder.requests[0].headers


def test_each_message_carries_its_idempotency_key_to_the_gateways() -> None:
    recorder = Recorder()
    sms(recorder).send(to="+38344123456", body="b", key="msg-7-20260101000000000000")
    push(recorder).send(to="device", body="b", key="msg-8-20260101000000000000")
    without = Recorder()
    sms(without).send(to="+38344123456", body="b")

    keys = [request.headers["Idempotency-Key"] for request in recorder.requests]
    assert keys == ["msg-7-20260101000000000000", "msg-8-20260101000000000000"]
    assert "Idempotency-Key" not in without.requests[0].headers
