"""The gateway refuses amplifying queries by their estimated cost, and rate-limits callers."""

from __future__ import annotations

from gateway.config import GatewaySettings
from gateway.cost import PLAIN_LIST_SIZE
from gateway.types.results import FRAMEWORK_LIST_SIZE
from services.common.settings import CommonSettings
from tests.conftest import auth_headers
from tests.gateway.conftest import DatabaseUrlFor, RunApp, Stack, start_stack

AMPLIFYING_FIELD = (
    "pledges(first: 100) { nodes { contributor { pledges(first: 100) { nodes { "
    "entries(first: 100) { nodes { entryType } } } } } } }"
)
AMPLIFYING_QUERY = (
    "query Amplify { " + " ".join(f"a{index}: {AMPLIFYING_FIELD}" for index in range(25)) + " }"
)


async def test_the_amplification_query_is_refused_by_cost_before_any_service_call(
    stack: Stack,
) -> None:
    organisation = await stack.organisation()
    await stack.pledge(organisation["id"])
    stack.reset_counts()

    body = await stack.query(AMPLIFYING_QUERY)

    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    maximum = GatewaySettings().max_query_cost
    assert error["extensions"]["maxCost"] == maximum
    # One alias: a connection, 100 pledges and their contributors, 100 connections of
    # 100 x 100 pledges, 100 x 100 connections of 100 x 100 x 100 entries and their types.
    one_alias = 1 + 100 + 100 + 100 + 2 * 100 * 100 + 2 * 100 * 100 * 100
    assert error["extensions"]["cost"] == 25 * one_alias
    assert body["extensions"]["cost"] == {"estimated": 25 * one_alias, "maximum": maximum}
    assert sum(len(stack.calls(service)) for service in stack.transports) == 0


async def test_an_ordinary_query_answers_and_reports_its_cost(stack: Stack) -> None:
    organisation = await stack.organisation()
    await stack.pledge(organisation["id"])

    body = await stack.query(
        "query Page($n: Int) { pledges(first: $n) { totalCount nodes { id kind } } }",
        {"n": 5},
    )

    assert "errors" not in body, body["errors"]
    assert len(body["data"]["pledges"]["nodes"]) == 1
    # pledges, totalCount, nodes: a list of 5, then id and kind on each of the 5.
    assert body["extensions"]["cost"]["estimated"] == 1 + 1 + 5 + 5 + 5


async def test_lists_without_a_page_size_count_as_plain_lists_and_fragments_count(
    stack: Stack,
) -> None:
    body = await stack.query(
        "query Vocabulary { ...Themes countries { code } } "
        "fragment Themes on Query { themes { code } }"
    )
    assert "errors" not in body, body["errors"]
    assert body["extensions"]["cost"]["estimated"] == 2 * (PLAIN_LIST_SIZE + PLAIN_LIST_SIZE)


async def test_the_maximum_is_a_setting(run_app: RunApp, database_url_for: DatabaseUrlFor) -> None:
    stack = await start_stack(run_app, database_url_for, max_query_cost=100)
    body = await stack.query("{ pledges(first: 50) { nodes { id kind } } }")
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert sum(len(stack.calls(service)) for service in stack.transports) == 0
    assert "errors" not in await stack.query("{ pledges(first: 10) { nodes { id kind } } }")


async def test_the_gateway_rate_limits_each_caller_with_the_ratelimit_headers(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    limited = CommonSettings(environment="test", rate_limit="2/minute")
    stack = await start_stack(run_app, database_url_for, mirps=limited)
    member = auth_headers("member", sub="gateway-member")
    query = {"query": "{ themes { code } }"}
    for remaining in (1, 0):
        response = await stack.gateway.post("/graphql", json=query, headers=member)
        assert response.status_code == 200
        assert (
            response.headers["RateLimit"]
            == f'"2-per-60s";r={remaining};t=' + (response.headers["RateLimit"].rsplit("t=", 1)[1])
        )
    refused = await stack.gateway.post("/graphql", json=query, headers=member)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["RateLimit-Policy"] == '"2-per-60s";q=2;w=60'
    assert int(refused.headers["Retry-After"]) >= 1
    other = auth_headers("member", sub="another-member")
    assert (await stack.gateway.post("/graphql", json=query, headers=other)).status_code == 200


async def test_the_strategy_framework_lists_count_as_long_as_their_type_declares(
    stack: Stack,
) -> None:
    body = await stack.query(
        "{ strategy { objectives { activities { outcomes { indicators { unit } } } } } }"
    )
    size = FRAMEWORK_LIST_SIZE
    # strategy, then objectives, activities, outcomes and indicators, then unit on each.
    expected = 1 + size + size**2 + size**3 + 2 * size**4
    assert body["extensions"]["cost"]["estimated"] == expected
    assert expected < GatewaySettings().max_query_cost
