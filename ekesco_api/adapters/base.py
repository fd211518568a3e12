"""What every message backend shares: its errors, the JSON-lines outbox file, HTTP timeouts."""

from __future__ import annotations

import contextlib
import fcntl
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


def keyed(record: dict[str, Any], key: str | None) -> dict[str, Any]:
    """`record` with the message's idempotency key first, when there is one."""
    return {"id": key, **record} if key else record


def with_keys(records: list[dict[str, Any]], keys: Sequence[str] | None) -> list[dict[str, Any]]:
    """Each record with its key (see `keyed`), when keys are given."""
    if keys is None:
        return records
    return [keyed(record, key) for record, key in zip(records, keys, strict=True)]


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


class _Written:
    """The ids already in one outbox file, and how far it has been read for them."""

    def __init__(self, inode: int, head: bytes) -> None:
        self.inode = inode
        self.head = head
        self.offset = 0
        self.ids: set[str] = set()


_written: dict[str, _Written] = {}
_HEAD = 64


def _ids_written(fd: int, path: Path) -> set[str]:
    """The `id` of every line in the file open at `fd`, reading only what was added since."""
    status = os.fstat(fd)
    head = os.pread(fd, _HEAD, 0)
    known = _written.get(str(path))
    if (
        known is None
        or (known.inode, known.head) != (status.st_ino, head[: len(known.head)])
        or (status.st_size < known.offset)
    ):
        known = _written[str(path)] = _Written(status.st_ino, head)  # new, replaced or emptied
    if status.st_size > known.offset:
        added = os.pread(fd, status.st_size - known.offset, known.offset)
        complete = added[: added.rfind(b"\n") + 1]
        for line in complete.splitlines():
            if b'"id"' in line:
                with contextlib.suppress(ValueError):
                    known.ids.add(str(json.loads(line).get("id")))
        known.offset += len(complete)
        known.head = os.pread(fd, _HEAD, 0)
    return known.ids


def append_json_lines(path: str | os.PathLike[str], records: Sequence[dict[str, Any]]) -> None:
    """Append one JSON line per record to `path`, all in one write() call.

    O_APPEND moves every write to the end of the file atomically, and the lines go out in one
    write() call, so lines from different processes never interleave. A record with an `id`
    already in the file is not written again: a worker killed after writing a batch but before
    recording it sent, whose batch another worker takes over, delivers each message once. The
    file is locked (flock) from that check to the write. A short write (only on a full disk)
    raises `BatchDeliveryError` saying how many records of the batch are in the file.
    """
    if not records:
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released by close()
        has_ids = any("id" in record for record in records)
        written = _ids_written(fd, target) if has_ids else set()
        fresh = [(n, r) for n, r in enumerate(records) if "id" not in r or r["id"] not in written]
        lines = [_json(record) + "\n" for _, record in fresh]
        data = "".join(lines).encode("utf-8")
        done = os.write(fd, data) if data else 0
        if has_ids and done == len(data):
            written.update(str(record["id"]) for _, record in fresh if "id" in record)
            _written[str(target)].offset += done
        elif has_ids:
            del _written[str(target)]  # read the file afresh next time
    finally:
        os.close(fd)
    if done != len(data):  # a partial line must not pass silently
        end = 0
        for (index, _record), line in zip(fresh, lines, strict=True):
            end += len(line.encode("utf-8"))
            if end > done:
                raise BatchDeliveryError(
                    f"short write to {target.name}: {done} of {len(data)} bytes", delivered=index
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
    key: str | None = None,
) -> httpx.Response:
    """POST `payload` with a bearer token; network failures become a (retryable) DeliveryError.

    `key` goes as `Idempotency-Key`: a message sent again (its worker died before recording
    it sent) carries the same key, and the gateway delivers it once.
    """
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if key:
        headers["Idempotency-Key"] = key
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

    def _post(self, payload: dict[str, Any], key: str | None = None) -> None:
        post_json(
            self.name,
            self.url,
            self.token,
            payload,
            transport=self.transport,
            timeout=self.timeout,
            key=key,
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
