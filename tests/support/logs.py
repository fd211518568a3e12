"""What the production log handler writes, captured for a test: `with captured_logs() as out:`."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from ekesco_api.logs import JsonLines


@contextmanager
def captured_logs(level: int | None = None) -> Iterator[io.StringIO]:
    """Every record the root logger passes on meanwhile (from `level` up, if given), as JSON
    lines written by `JsonLines`, in the stream yielded."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    if level is not None:
        root.setLevel(level)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
