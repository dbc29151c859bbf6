"""Schemathesis against each service's OpenAPI: whatever a client sends, never a 5xx.

Each service runs in a real uvicorn server (in a thread) on a migrated database; every
operation gets a bounded, fixed-seed batch of generated requests, signed in as the
secretariat (so writes are exercised, not only 401s), and the `not_a_server_error` check.
Full contract conformance (every check) is a separate matter; this suite proves only that
no input makes a service fail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from tests.conftest import Databases, auth_headers
from tests.contract.conftest import SERVICES, served
from tests.results.conftest import UPSTREAMS, DownTransport

# Generated requests per operation: ~100 operations x 2 backends stay near a minute; the
# results service's ~20 operations get a smaller share (its inputs are few and small).
EXAMPLES_PER_OPERATION = {"pledges": 25, "practices": 25, "events": 25, "results": 10}
SECRETARIAT = auth_headers("secretariat", sub="schemathesis")


class ServiceUnderTest(NamedTuple):
    name: str
    url: str


@pytest.fixture(params=SERVICES)
def service(request: pytest.FixtureRequest, databases: Databases) -> Iterator[ServiceUnderTest]:
    """The service on a fresh migrated database, served by uvicorn on a free port."""
    name: str = request.param
    # The results service reads the other three; here they are down (never whatever else
    # listens on their default ports), which it must also answer without a 5xx.
    extra = {"transports": dict.fromkeys(UPSTREAMS, DownTransport())} if name == "results" else {}
    with served(name, databases, **extra) as base:
        yield ServiceUnderTest(name, base)


def test_no_operation_answers_a_server_error(service: ServiceUnderTest) -> None:
    service_url = service.url
    # Generous timeouts: on a busy CI machine the first answer (the OpenAPI document is
    # built on first request) can take seconds; only a 5xx is under test here.
    schema = schemathesis.openapi.from_url(f"{service_url}/openapi.json", timeout=60)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION[service.name],
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=service_url, headers=SECRETARIAT, timeout=60)
            statuses[response.status_code // 100 * 100] += 1
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except FailureGroup as exc:  # keep going: list every failing request
                failures.append(f"{case.method} {response.request.url}: {exc.exceptions[0]}")

        run()
    assert not failures, "\n".join(failures)
    assert statuses[200] > 0, statuses  # the budget reached real work, not only refusals
    print("statuses:", dict(statuses))
