"""The outbox files: one JSON line per message, exactly as the contract describes them."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

from ekesco_api.adapters.email import FileEmailSender
from ekesco_api.adapters.push import FilePushSender
from ekesco_api.adapters.sms import FileSmsSender

SENT_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return text.splitlines()


def test_sms_line_has_to_body_and_sent_at(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    FileSmsSender(path).send(to="+38344123456", body="Kodi juaj për eKesco: 482913")

    (line,) = lines(path)
    record = json.loads(line)
    assert list(record) == ["to", "body", "sent_at"]
    assert record["to"] == "+38344123456"
    assert record["body"] == "Kodi juaj për eKesco: 482913"
    assert SENT_AT.match(record["sent_at"])
    assert "për" in line  # UTF-8 as it is, not \u escapes


def test_email_line_has_a_subject(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "email.jsonl"  # the directory is created on first use
    FileEmailSender(path).send(to="drita@example.com", subject="Fjalëkalimi", body="Përshëndetje")

    record = json.loads(lines(path)[0])
    assert list(record) == ["to", "subject", "body", "sent_at"]
    assert (record["subject"], record["body"]) == ("Fjalëkalimi", "Përshëndetje")


def test_push_line_has_a_subject_only_when_given(tmp_path: Path) -> None:
    path = tmp_path / "push.jsonl"
    sender = FilePushSender(path)
    sender.send(to="tok-1", subject="Ndërprerje e planifikuar", body="Nesër 10:00–12:00")
    sender.send(to="tok-2", body="Fatura e re")

    first, second = (json.loads(line) for line in lines(path))
    assert list(first) == ["to", "subject", "body", "sent_at"]
    assert list(second) == ["to", "body", "sent_at"]


def test_lines_are_appended_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    path.write_text('{"to": "earlier", "body": "x", "sent_at": "2026-01-01T00:00:00Z"}\n')
    FileSmsSender(path).send(to="+38349000000", body="one")
    FileSmsSender(path).send(to="+38349000000", body="two\nlines")

    records = [json.loads(line) for line in lines(path)]
    assert [r["body"] for r in records] == ["x", "one", "two\nlines"]


def test_concurrent_writers_never_interleave_lines(tmp_path: Path) -> None:
    path = tmp_path / "sms.jsonl"
    body = "ë" * 6000  # larger than a stdio buffer, so a buffered writer would split it

    def write(n: int) -> None:
        sender = FileSmsSender(path)  # one per writer, like separate processes
        for i in range(50):
            sender.send(to=f"{n}-{i}", body=body)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    records = [json.loads(line) for line in lines(path)]
    assert len(records) == 300
    assert {r["to"] for r in records} == {f"{n}-{i}" for n in range(6) for i in range(50)}
    assert all(r["body"] == body for r in records)
