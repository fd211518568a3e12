"""The outbox files: one JSON line per message, exactly as the contract describes them."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from ekesco_api.adapters.base import BatchDeliveryError, DeliveryError
from ekesco_api.adapters.email import FileEmailSender
from ekesco_api.adapters.push import FilePushSender
from ekesco_api.adapters.sms import FileSmsSender
from tests.concurrency import run_at_once

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

    run_at_once(6, write)

    records = [json.loads(line) for line in lines(path)]
    assert len(records) == 300
    assert {r["to"] for r in records} == {f"{n}-{i}" for n in range(6) for i in range(50)}
    assert all(r["body"] == body for r in records)


def test_send_many_writes_the_lines_send_writes_in_one_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ekesco_api.adapters import base, email, push, sms

    for module in (sms, email, push):
        monkeypatch.setattr(module, "timestamp", lambda: "2026-11-24T10:00:00Z")
    one, many = tmp_path / "one", tmp_path / "many"
    sms_items = [("+38344123456", "Kodi juaj për eKesco: 482913"), ("+38349000000", "two\nlines")]
    email_items = [("drita@example.com", "Fjalëkalimi", "Përshëndetje"), ("b@example.com", "", "x")]
    push_items = [("tok-1", "Nesër 10:00–12:00", "Ndërprerje"), ("tok-2", "Fatura e re", None)]
    for to, body in sms_items:
        FileSmsSender(one / "sms.jsonl").send(to=to, body=body)
    for to, subject, body in email_items:
        FileEmailSender(one / "email.jsonl").send(to=to, subject=subject, body=body)
    for to, body, subject in push_items:
        FilePushSender(one / "push.jsonl").send(to=to, body=body, subject=subject)

    writes = 0
    real_write = os.write

    def counting_write(fd: int, data: bytes) -> int:
        nonlocal writes
        writes += 1
        return real_write(fd, data)

    monkeypatch.setattr(base.os, "write", counting_write)
    FileSmsSender(many / "sms.jsonl").send_many(sms_items)
    FileEmailSender(many / "email.jsonl").send_many(email_items)
    FilePushSender(many / "push.jsonl").send_many(push_items)
    FileSmsSender(many / "sms.jsonl").send_many([])  # nothing to write: no write at all

    assert writes == 3
    for name in ("sms.jsonl", "email.jsonl", "push.jsonl"):
        assert (many / name).read_bytes() == (one / name).read_bytes()
    assert len(lines(many / "push.jsonl")) == 2


def test_send_many_says_how_many_lines_a_short_write_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ekesco_api.adapters import base

    real_write = os.write
    monkeypatch.setattr(base.os, "write", lambda fd, data: real_write(fd, data[:-3]))
    path = tmp_path / "sms.jsonl"
    with pytest.raises(BatchDeliveryError, match=r"short write to sms\.jsonl") as caught:
        FileSmsSender(path).send_many([("a", "1"), ("b", "2"), ("c", "3")])
    assert caught.value.delivered == 2
    with pytest.raises(DeliveryError, match="short write") as single:
        FileSmsSender(path).send(to="d", body="4")
    assert not isinstance(single.value, BatchDeliveryError)  # one message: nothing went out


def test_a_key_already_in_the_file_is_not_written_again(tmp_path: Path) -> None:
    # A worker killed after writing its batch, before recording it: the next one sends the
    # batch again, and each message still reaches the file once.
    path = tmp_path / "sms.jsonl"
    sender = FileSmsSender(path)
    sender.send_many([("a", "1"), ("b", "2")], keys=["k1", "k2"])
    sender.send_many([("a", "1"), ("b", "2"), ("c", "3")], keys=["k1", "k2", "k3"])
    FileSmsSender(path).send(to="c", body="3", key="k3")  # another process, the same file
    sender.send(to="d", body="4")  # no key: always written

    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line.get("id") for line in lines] == ["k1", "k2", "k3", None]
    assert list(lines[0]) == ["id", "to", "body", "sent_at"]


def test_an_emptied_file_is_read_afresh(tmp_path: Path) -> None:
    path = tmp_path / "email.jsonl"
    FileEmailSender(path).send(to="a", subject="s", body="1", key="k1")
    path.write_text("")  # rotated or emptied by hand
    FileEmailSender(path).send(to="a", subject="s", body="1", key="k1")
    assert len(path.read_text().splitlines()) == 1
