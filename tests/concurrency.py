"""Calls started together from several threads: the one way the tests race requests and workers.

Use: `results = run_at_once(12, lambda i: app.test_client().post(...))`. Each call builds what it
needs (a test client, an app context, a session of its own) inside `fn`, so that the threads
share nothing but the database. Tests that race real commits also carry `@pytest.mark.race`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar, cast

T = TypeVar("T")


def run_at_once(n: int, fn: Callable[[int], T], *, timeout: float = 120) -> list[T]:
    """`[fn(0), …, fn(n - 1)]`, each called in its own thread once all `n` threads are running.

    The first exception a call raised is raised here; a call still running after `timeout`
    seconds fails the test.
    """
    barrier = threading.Barrier(n)
    results: list[T | None] = [None] * n
    finished = [False] * n
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = fn(index)
            finished[index] = True
        except BaseException as error:  # a thread's error is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    assert all(finished), f"{finished.count(False)} of {n} calls did not finish"
    return cast(list[T], results)
