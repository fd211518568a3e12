"""SMS_BACKEND, EMAIL_BACKEND and PUSH_BACKEND pick the sender; unknown values stop start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ekesco_api import create_app
from ekesco_api.adapters.email import FileEmailSender, SmtpEmailSender, email_sender_from_config
from ekesco_api.adapters.push import FcmPushSender, FilePushSender, push_sender_from_config
from ekesco_api.adapters.sms import FileSmsSender, HttpSmsSender, sms_sender_from_config
from ekesco_api.config import ConfigError, load_config
from ekesco_api.notifications.service import get_senders


def config(tmp_path: Path, **env: str) -> dict[str, Any]:
    files = {
        f"{channel}_FILE": str(tmp_path / f"{channel}.jsonl")
        for channel in ("SMS", "EMAIL", "PUSH")
    }
    return load_config({**files, **env})


def test_files_by_default(tmp_path: Path) -> None:
    settings = config(tmp_path)
    sms = sms_sender_from_config(settings)
    assert isinstance(sms, FileSmsSender)
    assert sms.path == str(tmp_path / "SMS.jsonl")
    assert isinstance(email_sender_from_config(settings), FileEmailSender)
    assert isinstance(push_sender_from_config(settings), FilePushSender)


def test_real_backends(tmp_path: Path) -> None:
    settings = config(
        tmp_path,
        SMS_BACKEND="http",
        SMS_GATEWAY_URL="https://sms.example/send",
        SMS_GATEWAY_TOKEN="t1",
        EMAIL_BACKEND="smtp",
        SMTP_HOST="smtp.example",
        SMTP_PORT="2525",
        SMTP_STARTTLS="true",
        PUSH_BACKEND="http",
        PUSH_GATEWAY_URL="https://push.example/send",
        PUSH_GATEWAY_TOKEN="t2",
    )
    sms = sms_sender_from_config(settings)
    assert isinstance(sms, HttpSmsSender)
    assert (sms.url, sms.token) == ("https://sms.example/send", "t1")
    email = email_sender_from_config(settings)
    assert isinstance(email, SmtpEmailSender)
    assert (email.host, email.port, email.starttls) == ("smtp.example", 2525, True)
    push = push_sender_from_config(settings)
    assert isinstance(push, FcmPushSender)
    assert (push.url, push.token) == ("https://push.example/send", "t2")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMS_BACKEND": "twilio"}, "SMS_BACKEND must be one of file, http; got 'twilio'"),
        ({"EMAIL_BACKEND": "http"}, "EMAIL_BACKEND must be one of file, smtp; got 'http'"),
        ({"PUSH_BACKEND": "apns"}, "PUSH_BACKEND must be one of file, http; got 'apns'"),
        ({"SMS_BACKEND": "http"}, "SMS_BACKEND=http needs SMS_GATEWAY_URL"),
        ({"PUSH_BACKEND": "http"}, "PUSH_BACKEND=http needs PUSH_GATEWAY_URL"),
    ],
)
def test_the_app_refuses_to_start_with_a_backend_it_cannot_use(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", **env})
    assert str(caught.value) == message


def test_the_app_keeps_the_senders_it_chose(tmp_path: Path) -> None:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "SMS_BACKEND": "http",
            "SMS_GATEWAY_URL": "https://sms.example/send",
        }
    )
    senders = get_senders(app)
    assert isinstance(senders.sms, HttpSmsSender)
    assert get_senders(app) is senders
