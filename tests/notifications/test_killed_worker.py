"""A worker killed with SIGKILL mid-batch: nothing lost, nothing twice, all within a minute.

Real processes on PostgreSQL: `ekesco worker` sends e-mails to the outbox file and SMS to an
HTTP gateway run by the test (slow enough to be caught mid-batch, and keeping what it received by
`Idempotency-Key`, as real gateways do). The first worker is killed while the SMS go out, after it
wrote the e-mails but before it could record any of it; a second worker takes the batch over
once the lease runs out.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ekesco_api.extensions import db
from ekesco_api.notifications.models import Message
from ekesco_api.types import utcnow

pytestmark = [
    pytest.mark.race,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (TEST_DATABASE_URL); .ci/run provides it",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")
EMAILS, SMS = 100, 60
LEASE_SECONDS = 3


class Gateway:
    """An SMS gateway: every request it got, by idempotency key, slowly."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.times: list[float] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                json.loads(self.rfile.read(length))
                time.sleep(0.01)
                with gateway.lock:
                    gateway.requests.append(self.headers.get("Idempotency-Key", ""))
                    gateway.times.append(time.monotonic())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self) -> int:
        with self.lock:
            return len(self.requests)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gateway = Gateway()
    yield gateway
    gateway.server.shutdown()
    gateway.server.server_close()


def _worker(tmp_path: Path, gateway: Gateway, log: Any) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": os.environ["TEST_DATABASE_URL"],
        "EKESCO_INSTANCE_DIR": str(tmp_path),
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE": str(tmp_path / "email.jsonl"),
        "SMS_BACKEND": "http",
        "SMS_GATEWAY_URL": gateway.url,
        "WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    return subprocess.Popen(
        [str(FLASK), "--app", "wsgi", "ekesco", "worker", "--batch-size", "1000"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def _statuses(session: Session) -> Counter[str]:
    rows = session.execute(select(Message.status, func.count()).group_by(Message.status))
    return Counter({status: count for status, count in rows})


def test_a_killed_workers_batch_is_delivered_once_by_the_next(
    app: Flask, tmp_path: Path, gateway: Gateway
) -> None:
    started = time.monotonic()
    log = (tmp_path / "worker.log").open("ab")
    with log, app.app_context(), Session(db.engine) as session:
        now = utcnow()
        # Inserted directly, not queued: nothing is sent after this commit. E-mails first, so
        # the batch writes them to the file before the slow SMS begin.
        session.add_all(
            Message(
                channel="email",
                kind="test",
                recipient=f"c{i}@example.com",
                subject="S",
                body=f"e{i}",
                next_attempt_at=now,
            )
            for i in range(EMAILS)
        )
        session.flush()
        session.add_all(
            Message(
                channel="sms",
                kind="test",
                recipient=f"+38344{i:06d}",
                body=f"s{i}",
                next_attempt_at=now,
            )
            for i in range(SMS)
        )
        session.commit()

        first = _worker(tmp_path, gateway, log)
        deadline = time.monotonic() + 30
        while gateway.received() < SMS // 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = time.monotonic()
        print(f"killed after {killed_at - started:.1f} s")
        assert 0 < gateway.received() < SMS, "the kill must land mid-batch"
        emails = (tmp_path / "email.jsonl").read_text().splitlines()
        assert len(emails) == EMAILS  # written, but never recorded as sent:
        assert _statuses(session) == {"sending": EMAILS + SMS}

        second = _worker(tmp_path, gateway, log)
        try:
            while time.monotonic() - killed_at < 60:
                session.expire_all()
                if _statuses(session) == {"sent": EMAILS + SMS}:
                    break
                time.sleep(0.2)
            took = time.monotonic() - killed_at
            print(f"all delivered {took:.1f} s after the kill")
            after = [t - killed_at for t in gateway.times if t > killed_at]
            print(f"second worker's first SMS {after[0]:.1f} s, last {after[-1]:.1f} s")
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)

        assert _statuses(session) == {"sent": EMAILS + SMS}, "nothing lost"
        assert took < 60
        keys = {m.id: m for m in session.scalars(select(Message))}
        assert all(m.attempts == 2 for m in keys.values())  # each taken over, once

    # The outbox file: every e-mail once, though the second worker sent the whole batch again.
    lines = [json.loads(line) for line in (tmp_path / "email.jsonl").read_text().splitlines()]
    ids = Counter(line["id"] for line in lines)
    assert len(ids) == EMAILS and set(ids.values()) == {1}, "nothing twice in the file"
    # The gateway: every SMS key arrived; those the first worker had sent came again with the
    # same key, which a gateway delivers once.
    by_key = Counter(gateway.requests)
    assert len(by_key) == SMS
    assert sum(count > 1 for count in by_key.values()) <= SMS // 4 + 5
