"""Hostile requests to the gateway: junk bodies, huge strings, ids that try to leave their path."""

from __future__ import annotations

import pytest

from tests.gateway.conftest import SECRETARIAT, DatabaseUrlFor, RunApp, Stack, start_stack


def _deep(depth: int) -> bytes:
    return b'{"query": "{ __typename }", "variables": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize(
    "content",
    [
        b"null",
        b"[]",
        b'"query"',
        b"\xff\xfe{not utf-8",
        b'{"query": "{ __typename }", "variables": "\xff"}',
        b"[" * 100_000 + b"]" * 100_000,
        _deep(100_000),
        b'{"query": null}',
        b'{"query": 5}',
        b'{"query": "{ __typename }", "variables": 5}',
    ],
    ids=[
        "null",
        "array",
        "string",
        "invalid-utf8",
        "invalid-utf8-inside",
        "deep-array",
        "deep-variables",
        "query-null",
        "query-number",
        "variables-number",
    ],
)
async def test_a_malformed_body_is_a_400_graphql_error(stack: Stack, content: bytes) -> None:
    response = await stack.gateway.post(
        "/graphql", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_megabyte_string_argument_is_a_clear_error(stack: Stack) -> None:
    stack.reset_counts()
    response = await stack.gateway.post(
        "/graphql",
        json={
            "query": "query($q: String) { practices(first: 1, q: $q) { totalCount } }",
            "variables": {"q": "x" * 1_000_000},
        },
    )
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "$q" in error["message"]
    assert stack.calls("practices") == []


async def test_a_long_search_within_the_limit_is_not_an_unexpected_error(stack: Stack) -> None:
    body = await stack.query(
        "query($q: String) { practices(first: 1, q: $q) { totalCount } }", {"q": "x " * 9_000}
    )
    assert all(error["message"] != "Unexpected error." for error in body.get("errors", []))


@pytest.mark.parametrize("bad_id", ["../countries?", "..", "a/b", "x?y=1", "a#b", "%2e%2e", " "])
async def test_an_id_that_would_leave_its_path_is_refused_before_any_call(
    stack: Stack, bad_id: str
) -> None:
    stack.reset_counts()
    body = await stack.query(
        'mutation($id: ID!) { withdrawPledge(input: {id: $id, reason: "xxx"}) { pledge { id } } }',
        {"id": bad_id},
        headers=SECRETARIAT,
    )
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "id"
    assert stack.calls("pledges") == []


async def test_a_node_id_that_would_leave_its_path_is_refused(stack: Stack) -> None:
    from strawberry import relay

    stack.reset_counts()
    body = await stack.query(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": str(relay.GlobalID("Pledge", "../countries?"))},
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert stack.calls("pledges") == []


async def test_a_megabyte_string_in_a_mutation_is_refused_before_any_call(stack: Stack) -> None:
    organisation = await stack.organisation()
    pledge = await stack.pledge(organisation["id"])
    stack.reset_counts()
    response = await stack.gateway.post(
        "/graphql",
        json={
            "query": "mutation($id: ID!, $reason: String!) {"
            " withdrawPledge(input: {id: $id, reason: $reason}) { pledge { id } } }",
            "variables": {"id": pledge["id"], "reason": "x" * 1_000_000},
        },
        headers=SECRETARIAT,
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert stack.calls("pledges") == []


async def test_batches_still_work_when_enabled_and_their_items_are_checked(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    stack = await start_stack(run_app, database_url_for, max_batch_operations=2)
    batch = [{"query": "{ __typename }"}, {"query": "{ __typename }"}]
    response = await stack.gateway.post("/graphql", json=batch)
    assert response.status_code == 200, response.text
    assert [item["data"] for item in response.json()] == [{"__typename": "Query"}] * 2
    response = await stack.gateway.post("/graphql", json=[{"query": "{ __typename }"}, None])
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_get_requests_are_checked_the_same_way(stack: Stack) -> None:
    ok = await stack.gateway.get("/graphql", params={"query": "{ __typename }"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["data"] == {"__typename": "Query"}
    for variables in ("\\xff[", "[" * 5000, '{"q": "' + "x" * 30_000 + '"}'):
        response = await stack.gateway.get(
            "/graphql", params={"query": "{ __typename }", "variables": variables}
        )
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["extensions"]["code"] in {
            "BAD_REQUEST",
            "BAD_USER_INPUT",
        }
