"""Redis away: the limits keep counting in memory, and no limited route answers 500.

In a process of its own: the rate limiter is one object per process, and pointing it at a dead
Redis here would point every other test's app there too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.serving import ROOT, free_port

SCRIPT = """
import json
from ekesco_api import create_app
from flask_migrate import upgrade
app = create_app({"TESTING": True, "LOGIN_RATE_LIMIT_PER_USERNAME": "2/minute"})
with app.app_context():
    upgrade()
client = app.test_client()
body = {"username": "nobody@example.com", "password": "wrong password!"}
print(json.dumps([client.post("/api/v1/auth/login", json=body).status_code for _ in range(4)]))
"""


def _answers(tmp_path, **env: str) -> list[int]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={**os.environ, "EKESCO_INSTANCE_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def test_a_redis_that_is_down_costs_no_answer(tmp_path):
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    # Counted in memory meanwhile: the third failure is refused as it would be with Redis.
    assert _answers(tmp_path, RATELIMIT_STORAGE_URI=dead) == [401, 401, 429, 429]
