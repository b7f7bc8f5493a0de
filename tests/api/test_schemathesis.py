"""Property-based API tests: schemathesis generates requests from our OpenAPI schema and
calls the app in process (ASGI). Every operation must answer without a 5xx, with the
content type and (for documented responses) the body schema it declares.

Each operation is called with a token of the role that may use it (patient for vault routes,
the clinician alice shared with for ``/v1/patients/…``, curator, admin), so the generated
data reaches the route's logic instead of stopping at 403. Bounded for CI: examples per
operation from ``HEALTHRAG_SCHEMATHESIS_EXAMPLES`` (default 100, the issue's floor; ~30 s).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from api.main import create_app  # noqa: E402

EXAMPLES = int(os.environ.get("HEALTHRAG_SCHEMATHESIS_EXAMPLES", "100"))
CHECKS = [schemathesis.checks.not_a_server_error,
          schemathesis.checks.content_type_conformance,
          schemathesis.checks.response_schema_conformance]


@pytest.fixture
def api_env(demo_service: Any) -> dict[str, Any]:
    service = demo_service
    service.limiter.capacity = 0  # the generator sends far more than a person would
    service.shares.create("alice", "dr-house", expires_in_days=30)
    tokens = {role: service.tokens.create(user, role)[0] for user, role in (
        ("alice", "patient"), ("dr-house", "clinician"), ("cur", "curator"),
        ("adm", "admin"))}
    return {"app": create_app(service.settings, service=service), "tokens": tokens}


def _role_for(path: str) -> str:
    if path.startswith(("/v1/patients/", "/v1/shared-with-me")):
        return "clinician"
    if path.startswith("/v1/knowledge"):
        return "curator"
    if path.startswith("/v1/admin/"):
        return "admin"
    return "patient"


def _runner(operation: Any, token: str) -> Any:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    return run


def test_no_server_errors_and_responses_conform(api_env: dict[str, Any]) -> None:
    """One hypothesis run per operation (schemathesis' own pytest plugin does not load under
    pytest 9), failures gathered so one report names every broken operation."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_env["app"])
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        run = _runner(operation, api_env["tokens"][_role_for(operation.path)])
        try:
            run()
        except Exception as exc:  # gathered, reported below
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:1500]}"
    assert operations >= 25
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
