"""What every message backend shares: its errors, the JSON-lines outbox file, HTTP timeouts."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx

from ekesco_api.types import utcnow

# A gateway that does not answer within these bounds is treated as down; the worker retries.
HTTP_TIMEOUT = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)


class DeliveryError(Exception):
    """The message was not delivered, but trying again later may succeed.

    The text is stored on the outbox row, so it says what happened without tokens or passwords.
    """


class PermanentDeliveryError(DeliveryError):
    """The message can never be delivered as it stands (a refused recipient, a bad request)."""


def timestamp() -> str:
    """Now as the outbox files write it: ISO 8601 in UTC with a Z."""
    return utcnow().isoformat(timespec="seconds").replace("+00:00", "Z")


def append_json_line(path: str | os.PathLike[str], record: dict[str, Any]) -> None:
    """Append one JSON line to `path`, safe when several processes append to the same file.

    O_APPEND moves every write to the end of the file atomically, and the whole line goes out
    in one write() call, so lines from different processes never interleave.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        written = os.write(fd, data)
        if written != len(data):  # only on a full disk; a partial line must not pass silently
            raise DeliveryError(f"short write to {target.name}: {written} of {len(data)} bytes")
    finally:
        os.close(fd)


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
