"""Generated requests over the whole spec: no 5xx, every answer as the spec says.

schemathesis makes up requests for every operation of the spec, valid and not, and checks each
answer: not a server error, invalid input refused, a documented status and content type, a body
and headers that match their schemas. Customer operations get a customer's token, staff
operations an admin's (admin passes every staff operation, so every one is reached). The number
of examples per operation is bounded to keep the suite fast (SCHEMATHESIS_EXAMPLES raises it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.auth import dispatcher_headers, token_headers
from tests.support.customers import make_customer

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "6"))


# Tokens are the test's own (a customer's, an admin's), not made up; and unknown query
# parameters are ignored by this API, as most do, not refused.
CONFIG = SchemathesisConfig.from_dict(
    {"generation": {"with-security-parameters": False, "allow-extra-parameters": False}}
)


@pytest.fixture
def tokens(db_session: Any) -> dict[str, Callable[[], dict[str, str]]]:
    """A fresh token for each request: a case that logs out ends only its own session."""
    account = make_customer(db_session).account
    admin = dispatcher_headers(db_session, role="admin")
    return {
        "customer": lambda: token_headers(db_session, account),
        "staff": lambda: admin,
    }


def _bearer(tokens: dict[str, Callable[[], dict[str, str]]]) -> type:
    """schemathesis' auth: an admin's token on staff operations, a customer's elsewhere.

    As an auth provider, not a plain header, so that its check of ignored authentication can
    take the token off and see the operation refuse.
    """

    class Bearer:
        def get(self, case: Any, _context: Any) -> str:
            staff = "x-staff-roles" in case.operation.definition.raw
            return tokens["staff" if staff else "customer"]()["Authorization"]

        def set(self, case: Any, value: str, _context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": value}

    return Bearer


def _check(operation: Any, answered: set[str]) -> None:

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(
        case=strategies.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
    )
    def run(case: Any) -> None:
        response = case.call()
        if response.status_code < 300:
            answered.add(operation.label)
        # Valid by the schema is not valid by the rules: a made-up reset token or SMS code is
        # refused with its own 400, as it must be.
        case.validate_response(response, excluded_checks=[positive_data_acceptance])

    run()


def test_every_operation_answers_as_documented(app: Any, tokens: Any) -> None:
    # The spec the app serves; tests/test_openapi.py holds it equal to the committed one.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    schema.auth(refresh_interval=None)(_bearer(tokens))  # asked anew for every case
    failures = []
    operations = 0
    answered: set[str] = set()  # operations that answered 2xx at least once: tokens work
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            _check(operation, answered)
        except (Exception, BaseExceptionGroup) as error:  # each is tried; all failures reported
            failures.append(f"{operation.label}: {error}")
    assert operations > 50
    assert len(answered) > operations / 3, sorted(answered)
    assert failures == [], "\n\n".join(failures)
