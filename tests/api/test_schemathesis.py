"""Property-based run of every operation in the OpenAPI schema: no input makes a server error.

schemathesis generates requests from the app's own schema (``from_asgi``: no network), a
bounded number per operation, signed in as an admin so that every endpoint is reached, on
SQLite and on PostgreSQL. The operations are driven from one test with hypothesis because
schemathesis's lazy ``from_fixture`` loader does not run under pytest 9 (it reads
``request.node._nodeid``), and the schema needs the per-backend app fixture.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from tests.utils.api import Api

pytestmark = pytest.mark.slow  # hundreds of generated requests

EXAMPLES_PER_OPERATION = 8


def test_no_input_causes_a_server_error(api: Api) -> None:
    admin, headers = api.user(role="admin")
    api.bed(admin)  # listings have something to return
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api.app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
            database=None,
        )
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:  # collect all, report together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
