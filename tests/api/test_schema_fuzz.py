"""Property-based fuzzing of every operation in the OpenAPI schema (schemathesis strategies driven by
hypothesis, in process): whatever the input, the API answers with a 2xx or 4xx, never a 5xx, and every
answer (errors included) is the one its schema documents."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lcr.api import create_app


@pytest.fixture(scope="module")
def operations(index_dir: Path):
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(index_dir))
    return [result.ok() for result in schema.get_all_operations()]


def test_no_operation_answers_5xx(operations):
    assert len(operations) >= 5
    for operation in operations:

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call()
            assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
            case.validate_response(response, checks=[status_code_conformance, response_schema_conformance,
                                                      content_type_conformance])

        check()
