"""The SMTP sender, against a fake smtplib.SMTP: no sockets."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

import pytest

from ekesco_api.adapters.base import DeliveryError, PermanentDeliveryError
from ekesco_api.adapters.email import SmtpEmailSender


class FakeSMTP:
    """Stands in for smtplib.SMTP and records what the sender did with it."""

    instances: list[FakeSMTP] = []
    fail_on: dict[str, BaseException] = {}

    def __init__(self, host: str, port: int, timeout: float) -> None:
        if "connect" in self.fail_on:
            raise self.fail_on["connect"]
        self.host, self.port, self.timeout = host, port, timeout
        self.calls: list[str] = []
        self.tls_context: ssl.SSLContext | None = None
        self.credentials: tuple[str, str] | None = None
        self.sent: list[EmailMessage] = []
        self.closed = False
        FakeSMTP.instances.append(self)

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True

    def _step(self, name: str) -> None:
        self.calls.append(name)
        if name in self.fail_on:
            raise self.fail_on[name]

    def starttls(self, *, context: ssl.SSLContext) -> Any:
        self.tls_context = context
        self._step("starttls")

    def login(self, user: str, password: str) -> Any:
        self.credentials = (user, password)
        self._step("login")

    def send_message(self, message: EmailMessage) -> Any:
        self._step("send_message")
        self.sent.append(message)


@pytest.fixture
def fake_smtp(monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    FakeSMTP.instances = []
    FakeSMTP.fail_on = {}
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


def sender(**overrides: Any) -> SmtpEmailSender:
    options: dict[str, Any] = {
        "host": "smtp.example",
        "port": 587,
        "sender": "eKesco <no-reply@kesco-energy.com>",
        "username": "mailer",
        "password": "hunter2-smtp",
    }
    options.update(overrides)
    return SmtpEmailSender(**options)


def test_sends_over_starttls_with_login_and_a_timeout(fake_smtp: type[FakeSMTP]) -> None:
    sender().send(to="drita@example.com", subject="Fjalëkalimi i ri", body="Përshëndetje, Drita")

    (smtp,) = fake_smtp.instances
    assert (smtp.host, smtp.port) == ("smtp.example", 587)
    assert 0 < smtp.timeout <= 60
    assert smtp.calls == ["starttls", "login", "send_message"]
    assert isinstance(smtp.tls_context, ssl.SSLContext)
    assert smtp.tls_context.verify_mode == ssl.CERT_REQUIRED
    assert smtp.credentials == ("mailer", "hunter2-smtp")
    assert smtp.closed
    (message,) = smtp.sent
    assert message["To"] == "drita@example.com"
    assert message["From"] == "eKesco <no-reply@kesco-energy.com>"
    assert message["Subject"] == "Fjalëkalimi i ri"
    assert message["Message-ID"].endswith("@kesco-energy.com>")
    assert message.get_content().strip() == "Përshëndetje, Drita"


def test_no_login_without_a_username_and_no_tls_when_turned_off(
    fake_smtp: type[FakeSMTP],
) -> None:
    sender(username="", password="", starttls=False).send(to="a@example.com", subject="s", body="b")
    assert fake_smtp.instances[0].calls == ["send_message"]


@pytest.mark.parametrize(
    ("step", "error"),
    [
        ("connect", ConnectionRefusedError(111, "Connection refused")),
        ("connect", TimeoutError("timed out")),
        ("starttls", smtplib.SMTPNotSupportedError("STARTTLS extension not supported")),
        ("login", smtplib.SMTPAuthenticationError(535, b"bad credentials hunter2-smtp")),
        ("send_message", smtplib.SMTPServerDisconnected("Connection unexpectedly closed")),
        ("send_message", smtplib.SMTPDataError(451, b"try again later")),
    ],
)
def test_temporary_failures_are_worth_retrying(
    fake_smtp: type[FakeSMTP], step: str, error: BaseException
) -> None:
    fake_smtp.fail_on = {step: error}
    with pytest.raises(DeliveryError) as caught:
        sender().send(to="a@example.com", subject="s", body="b")
    assert not isinstance(caught.value, PermanentDeliveryError)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}),
        smtplib.SMTPDataError(554, b"rejected as spam"),
        smtplib.SMTPSenderRefused(553, b"sender not allowed", "no-reply@kesco-energy.com"),
    ],
)
def test_final_refusals_are_not_retried(fake_smtp: type[FakeSMTP], error: BaseException) -> None:
    fake_smtp.fail_on = {"send_message": error}
    with pytest.raises(PermanentDeliveryError):
        sender().send(to="a@example.com", subject="s", body="b")


def test_a_message_sent_again_keeps_its_message_id(fake_smtp: type[FakeSMTP]) -> None:
    # Mail systems drop a second copy with the same Message-ID: a batch sent again after its
    # worker died does not reach the inbox twice.
    for _ in range(2):
        sender().send(to="a@example.com", subject="s", body="b", key="msg-7-20260101000000000000")
    first, second = (smtp.sent[0] for smtp in fake_smtp.instances)
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"] == "<msg-7-20260101000000000000@kesco-energy.com>"
