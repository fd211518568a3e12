"""Two instances behind a real nginx, sharing PostgreSQL and Redis, as production runs them.

What must hold across instances: a rate limit counted on one holds on the other, and a refresh
token rotated on one is refused on the other. What must hold about addresses: the per-address
limits count the client's real address, which reaches the app only through the proxy (nginx
appends it to X-Forwarded-For and the app trusts that one hop); whatever a client writes in
X-Forwarded-For itself changes nothing. Clients connect from 127.0.0.2 and 127.0.0.3, nginx
from 127.0.0.1, so each address is told apart.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from sqlalchemy.orm import Session

from ekesco_api.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_account
from tests.support.serving import GUNICORN, ROOT, free_port, wait_until_up

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = [
    pytest.mark.race,  # the account is committed for the instances to see
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")
        or not os.environ.get("TEST_REDIS_URL"),
        reason="needs PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL); .ci/run has both",
    ),
    pytest.mark.skipif(not Path(NGINX).exists(), reason="needs nginx; .ci/run installs it"),
]

PER_ADDRESS = 4  # login attempts per minute from one address
PER_USERNAME = 3  # failed logins per minute for one username

NGINX_CONF = """
user root;
worker_processes 1;
pid {tmp}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    server {{ listen 127.0.0.1:{a_port}; location / {{ proxy_pass http://127.0.0.1:{a}; }} }}
    server {{ listen 127.0.0.1:{b_port}; location / {{ proxy_pass http://127.0.0.1:{b}; }} }}
}}
"""


def _instance(tmp: Path, name: str, port: int, log: Any) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "DATABASE_URL": os.environ["TEST_DATABASE_URL"],
        "RATELIMIT_STORAGE_URI": os.environ["TEST_REDIS_URL"],
        "TRUSTED_PROXY_HOPS": "1",
        "LOGIN_RATE_LIMIT_PER_IP": f"{PER_ADDRESS}/minute",
        "LOGIN_RATE_LIMIT_PER_USERNAME": f"{PER_USERNAME}/minute",
        "EKESCO_INSTANCE_DIR": str(tmp / name),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / name / "metrics"),
    }
    return subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """nginx on two ports, one in front of each instance: {"a": url, "b": url}."""
    import redis

    redis.Redis.from_url(os.environ["TEST_REDIS_URL"]).flushdb()  # counters of earlier runs
    tmp = tmp_path_factory.mktemp("proxy")
    ports = {name: free_port() for name in ("a", "b", "a_port", "b_port")}
    log = (tmp / "instances.log").open("ab")
    instances = [_instance(tmp, name, ports[name], log) for name in ("a", "b")]
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, **ports))
    nginx = subprocess.Popen(
        [
            NGINX,
            "-p",
            str(tmp),
            "-e",
            str(tmp / "error.log"),
            "-c",
            str(tmp / "nginx.conf"),
            "-g",
            "daemon off;",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    urls = {name: f"http://127.0.0.1:{ports[name + '_port']}" for name in ("a", "b")}
    try:
        for name, process in zip(("a", "b"), instances, strict=True):
            wait_until_up(f"{urls[name]}/healthz", process, seconds=60)
        yield urls
    finally:
        nginx.send_signal(signal.SIGQUIT)
        for process in instances:
            process.send_signal(signal.SIGTERM)
        for process in (nginx, *instances):
            process.wait(timeout=30)
        log.close()


def _client(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


def _login(client: httpx.Client, url: str, username: str, password: str, **headers: str) -> Any:
    return client.post(
        f"{url}/api/v1/auth/login",
        json={"username": username, "password": password},
        headers=headers,
    )


@pytest.fixture
def account(app: Flask) -> Any:
    with app.app_context(), Session(db.engine, expire_on_commit=False) as session:
        account = make_account(session)
        session.commit()
        return account


def test_a_limit_counted_on_one_instance_holds_on_the_other(proxy, account):
    with _client("127.0.0.2") as client:
        for _ in range(PER_USERNAME):
            assert _login(client, proxy["a"], account.email, "wrong password!").status_code == 401
        refused = _login(client, proxy["b"], account.email, "wrong password!")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


def test_a_refresh_token_rotated_on_one_is_refused_on_the_other(proxy, account):
    with _client("127.0.0.3") as client:
        pair = _login(client, proxy["a"], account.email, DEFAULT_PASSWORD).json()
        old = {"Authorization": f"Bearer {pair['refresh_token']}"}
        rotated = client.post(f"{proxy['a']}/api/v1/auth/refresh", headers=old)
        assert rotated.status_code == 200
        reused = client.post(f"{proxy['b']}/api/v1/auth/refresh", headers=old)
    assert (reused.status_code, reused.json()["code"]) == (401, "token_revoked")


def test_the_limiter_counts_the_clients_real_address_whatever_it_writes(proxy, account):
    with _client("127.0.0.4") as client, _client("127.0.0.5") as neighbour:
        answers = [
            _login(
                client,
                proxy[side],
                f"nobody{n}@example.com",
                "wrong password!",
                **{"X-Forwarded-For": f"203.0.113.{n}"},
            ).status_code
            for n, side in enumerate("abab" * 2)
        ]
        # The same address for the limiter, however the header is forged, on either instance.
        assert answers[:PER_ADDRESS] == [401] * PER_ADDRESS
        assert set(answers[PER_ADDRESS:]) == {429}
        # Another client behind the same proxy is counted apart.
        other = _login(neighbour, proxy["a"], "someone@example.com", "wrong password!")
    assert other.status_code == 401
