"""SQLite takes its writer lock only for transactions that may write."""

from __future__ import annotations

from flask import Flask

from ekesco_api.db import _may_write


def test_reads_do_not_take_the_writer_lock(app: Flask) -> None:
    with app.test_request_context("/api/v1/balance", method="GET"):
        assert _may_write() is False


def test_writes_take_the_writer_lock(app: Flask) -> None:
    with app.test_request_context("/api/v1/meters", method="POST"):
        assert _may_write() is True


def test_a_get_that_writes_says_so(app: Flask) -> None:
    # The staff lookup is audited, so it writes although it is a GET.
    with app.test_request_context("/api/v1/staff/customers", method="GET"):
        assert _may_write() is True


def test_work_outside_requests_takes_the_writer_lock(app: Flask) -> None:
    with app.app_context():
        assert _may_write() is True
