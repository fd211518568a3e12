"""A production install works without the repository: built, installed, migrated, served.

The wheel is built from a copy of the checkout without its compiled catalogs (so its own build
step must compile them), installed into a new virtual environment in a temporary folder, and
run from there as the README's production section says: `ekesco-api db upgrade` creates the
schema in an empty SQLite file, gunicorn serves `ekesco_api.wsgi:app` with the settings the
package carries (`-c python:ekesco_api.gunicorn_conf`), and a problem document comes back in
Albanian and in Serbian.

No network: the new environment gets the project environment's packages (the dependencies)
through a .pth line and the wheel itself with `pip install --no-deps`, and the wheel is built
without build isolation by the project environment's setuptools and babel.
Skip it locally with `-m "not wheel"`; `make test` and CI run it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import site
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.support.serving import free_port, wait_until_up

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parents[1]
# What a build needs from the checkout; the rest (.venv, instance, caches, *.mo) stays out.
LEFT_OUT = shutil.ignore_patterns(
    ".git", ".venv", "instance", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
    ".*_cache", ".grimp_cache", "*.mo", "tests", "benchmarks", "docs",
)  # fmt: skip


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _get(url: str, language: str) -> tuple[int, str, dict[str, object]]:
    request = urllib.request.Request(url, headers={"Accept-Language": language})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers["Content-Type"], json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.loads(error.read())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("checkout") / "ekesco"
    shutil.copytree(ROOT, source, ignore=LEFT_OUT)
    dist = tmp_path_factory.mktemp("dist")
    _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--quiet", "--wheel-dir", dist, source, cwd=source,
    )  # fmt: skip
    (built,) = dist.glob("ekesco_api-*.whl")
    return built


def test_the_wheel_carries_compiled_catalogs_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in ("sq", "sr", "en"):
        assert f"ekesco_api/translations/{language}/LC_MESSAGES/messages.mo" in names
    assert "ekesco_api/migrations/env.py" in names
    assert "ekesco_api/migrations/alembic.ini" in names
    assert "ekesco_api/migrations/versions/0001_initial.py" in names
    assert "ekesco_api/wsgi.py" in names


def test_an_installed_wheel_migrates_and_serves_in_albanian_and_serbian(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    (purelib,) = venv.glob("lib/python*/site-packages")
    # The dependencies, from the project environment; never the project's own source.
    (purelib / "ekesco-dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    python = venv / "bin" / "python"
    _run(
        sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
        wheel, cwd=tmp_path,
    )  # fmt: skip
    served = tmp_path / "srv"
    served.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("EKESCO_", "DATABASE_", "PYTHON", "FLASK_"))
    }
    env.update(
        EKESCO_INSTANCE_DIR=str(served / "instance"),
        DATABASE_URL=f"sqlite:///{served / 'ekesco.sqlite3'}",
        RATELIMIT_ENABLED="false",
    )
    located = _run(
        python, "-c", "import ekesco_api; print(ekesco_api.__file__)", cwd=served, env=env
    )
    assert Path(located.strip()).is_relative_to(purelib), "the wheel, not the checkout"

    _run(venv / "bin" / "ekesco-api", "db", "upgrade", cwd=served, env=env)

    port = free_port()
    env.update(
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        PROMETHEUS_MULTIPROC_DIR=str(served / "metrics"),
    )
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "-c", "python:ekesco_api.gunicorn_conf", "ekesco_api.wsgi:app"],
        cwd=served, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{url}/readyz", server)
        except AssertionError:
            raise AssertionError((tmp_path / "gunicorn.log").read_text()) from None
        titles = {}
        for language in ("sq", "sr", "en"):
            status, content_type, problem = _get(f"{url}/api/v1/meters", language)
            assert status == 401
            assert content_type == "application/problem+json"
            titles[language] = problem["title"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        log.close()
    assert titles == {
        "sq": "Duhet të kyçeni.",
        "sr": "Morate se prijaviti.",
        "en": "You need to log in.",
    }
    # The package's settings were read: gunicorn's own lines are JSON too (its logconfig).
    lines = (tmp_path / "gunicorn.log").read_text().splitlines()
    assert any("Booting worker" in line for line in lines)
    assert all(json.loads(line) for line in lines if line.strip())
