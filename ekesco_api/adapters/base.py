"""What every message backend shares: its errors, the JSON-lines outbox file, HTTP timeouts."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring as _string  # what dumps uses
from pathlib import Path
from typing import Any

import httpx

from ekesco_api.config import ConfigError
from ekesco_api.types import utcnow

# A gateway that does not answer within these bounds is treated as down; the worker retries.
HTTP_TIMEOUT = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)


class DeliveryError(Exception):
    """The message was not delivered, but trying again later may succeed.

    The text is stored on the outbox row, so it says what happened without tokens or passwords.
    """


class PermanentDeliveryError(DeliveryError):
    """The message can never be delivered as it stands (a refused recipient, a bad request)."""


class BatchDeliveryError(DeliveryError):
    """A `send_many` stopped part-way: the first `delivered` messages went out, the rest did not."""

    def __init__(self, message: str, *, delivered: int) -> None:
        super().__init__(message)
        self.delivered = delivered


def timestamp() -> str:
    """Now as the outbox files write it: ISO 8601 in UTC with a Z."""
    return utcnow().isoformat(timespec="seconds").replace("+00:00", "Z")


def append_json_line(path: str | os.PathLike[str], record: dict[str, Any]) -> None:
    """Append one JSON line to `path`, safe when several processes append to the same file."""
    try:
        append_json_lines(path, [record])
    except BatchDeliveryError as exc:
        raise DeliveryError(str(exc)) from None


def _json(record: dict[str, Any]) -> str:
    """`json.dumps(record, ensure_ascii=False)`, faster for the usual record of strings."""
    fields = []
    for key, value in record.items():
        if type(value) is not str:
            return json.dumps(record, ensure_ascii=False)
        fields.append(_string(key) + ": " + _string(value))
    return "{" + ", ".join(fields) + "}"


def append_json_lines(path: str | os.PathLike[str], records: Sequence[dict[str, Any]]) -> None:
    """Append one JSON line per record to `path`, all in one write() call.

    O_APPEND moves every write to the end of the file atomically, and the lines go out in one
    write() call, so lines from different processes never interleave. A short write (only on
    a full disk) raises `BatchDeliveryError` saying how many whole lines made it.
    """
    if not records:
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = [_json(record) + "\n" for record in records]
    data = "".join(lines).encode("utf-8")
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        written = os.write(fd, data)
    finally:
        os.close(fd)
    if written != len(data):  # a partial line must not pass silently
        whole, end = 0, 0
        for line in lines:
            end += len(line.encode("utf-8"))
            if end > written:
                break
            whole += 1
        raise BatchDeliveryError(
            f"short write to {target.name}: {written} of {len(data)} bytes", delivered=whole
        )


def raise_for_gateway_status(name: str, response: httpx.Response) -> None:
    """Turn a non-2xx answer into a DeliveryError; 4xx other than 408/429 will never succeed."""
    status = response.status_code
    if 200 <= status < 300:
        return
    message = f"{name} answered HTTP {status}"
    if 400 <= status < 500 and status not in (408, 429):
        raise PermanentDeliveryError(message)
    raise DeliveryError(message)


def post_json(
    name: str,
    url: str,
    token: str,
    payload: dict[str, Any],
    *,
    transport: httpx.BaseTransport | None,
    timeout: httpx.Timeout,
) -> httpx.Response:
    """POST `payload` with a bearer token; network failures become a (retryable) DeliveryError."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with httpx.Client(transport=transport, timeout=timeout) as client:
            response = client.post(url, json=payload, headers=headers)
    except httpx.TimeoutException as exc:
        raise DeliveryError(f"{name} timed out ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{name} unreachable ({type(exc).__name__})") from exc
    raise_for_gateway_status(name, response)
    return response


class HttpGateway:
    """A JSON-over-HTTPS gateway with a bearer token (SMS, push): its address and timeouts."""

    name = "gateway"

    def __init__(
        self,
        url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = HTTP_TIMEOUT,
    ) -> None:
        self.url = url
        self.token = token
        self.transport = transport  # tests pass httpx.MockTransport; no socket is opened
        self.timeout = timeout

    def _post(self, payload: dict[str, Any]) -> None:
        post_json(
            self.name, self.url, self.token, payload, transport=self.transport, timeout=self.timeout
        )


# The backends of a JSON-over-HTTPS channel (SMS, push): an outbox file, or its gateway.
GATEWAY_BACKENDS = ("file", "http")


def gateway_backend(config: Mapping[str, Any], channel: str) -> tuple[str, str] | None:
    """The gateway's (URL, token) when `<channel>_BACKEND` is `http`, None when it is `file`
    (the outbox file `<channel>_FILE`); anything else stops start-up with a clear message."""
    backend = config.get(f"{channel}_BACKEND", "file")
    if backend == "file":
        return None
    if backend == "http":
        if not config.get(f"{channel}_GATEWAY_URL"):
            raise ConfigError(f"{channel}_BACKEND=http needs {channel}_GATEWAY_URL")
        return config[f"{channel}_GATEWAY_URL"], config.get(f"{channel}_GATEWAY_TOKEN", "")
    raise ConfigError(
        f"{channel}_BACKEND must be one of {', '.join(GATEWAY_BACKENDS)}; got {backend!r}"
    )
