"""Every write of the services' REST APIs has its GraphQL field: the operations are read
from the services' own OpenAPI documents, so a new REST write without a mutation (or a
deliberate entry in gateway.mutations.coverage) fails here."""

from __future__ import annotations

import pytest

from gateway.mutations.coverage import REST_WRITES
from gateway.schema import build_schema
from tests.contract.test_openapi_documents import SERVICES, make_app, operations

WRITE_METHODS = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def rest_writes() -> set[tuple[str, str]]:
    return {
        (service, operation["operationId"])
        for service in SERVICES
        for _, method, operation in operations(make_app(service).openapi())
        if method in WRITE_METHODS
    }


@pytest.fixture(scope="module")
def root_fields() -> set[str]:
    schema = build_schema()._schema
    return {
        f"{root.name}.{name}"
        for root in (schema.query_type, schema.mutation_type)
        if root is not None
        for name in root.fields
    }


def test_every_rest_write_has_a_graphql_field(rest_writes: set[tuple[str, str]]) -> None:
    missing = sorted(rest_writes - REST_WRITES.keys())

    assert missing == [], f"REST writes without a mutation: {missing}"


def test_the_table_names_no_write_the_services_do_not_have(
    rest_writes: set[tuple[str, str]],
) -> None:
    assert sorted(REST_WRITES.keys() - rest_writes) == []


def test_each_field_the_table_names_exists_in_the_schema(root_fields: set[str]) -> None:
    assert sorted(set(REST_WRITES.values()) - root_fields) == []


def test_the_reads_through_post_are_few_and_named() -> None:
    # A write mapped to a query would be a write nobody can do through GraphQL.
    reads = {key for key, field in REST_WRITES.items() if field.startswith("Query.")}

    assert reads == {("events", "scheduleSuggestions")}
