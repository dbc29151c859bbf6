"""Abuse limits, error codes, masking of unexpected errors and partial failure."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from gateway import values
from tests.conftest import auth_headers
from tests.gateway.conftest import SECRETARIAT, DatabaseUrlFor, RunApp, Stack, start_stack


def _codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


async def test_a_query_deeper_than_the_limit_is_refused_before_any_service_call(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    stack = await start_stack(run_app, database_url_for, max_depth=4)
    deep = "{ pledges { edges { node { contributor { pledges { edges { node { id } } } } } } } }"

    body = await stack.query(deep)

    assert body["data"] is None
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert stack.calls("pledges") == []


async def test_too_many_aliases_are_refused(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    stack = await start_stack(run_app, database_url_for, max_aliases=3)
    aliased = "{ " + " ".join(f"c{index}: countries {{ code }}" for index in range(4)) + " }"

    body = await stack.query(aliased)

    assert body["data"] is None
    assert "4 aliases found. Allowed: 3" in body["errors"][0]["message"]


async def test_a_document_with_too_many_tokens_is_refused(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    stack = await start_stack(run_app, database_url_for, max_tokens=50)
    long_query = "{ " + " ".join("themes { code }" for _ in range(20)) + " }"

    body = await stack.query(long_query)

    assert body["data"] is None
    assert "more than 50 tokens" in body["errors"][0]["message"]


async def test_a_page_larger_than_the_maximum_is_bad_user_input(stack: Stack) -> None:
    body = await stack.query("{ pledges(first: 1000) { totalCount } }")

    assert body["data"] == {"pledges": None}
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["maximum"] == 100
    assert stack.calls("pledges") == []


async def test_a_service_validation_error_comes_back_as_bad_user_input(stack: Stack) -> None:
    body = await stack.query('{ objectives(country: "XXX") { totalCount } }')

    assert body["data"] == {"objectives": None}
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["service"] == "pledges"
    assert "XXX" in error["message"]


async def test_introspection_is_off_in_production_and_on_in_test(
    run_app: RunApp, database_url_for: DatabaseUrlFor, stack: Stack
) -> None:
    introspection = "{ __schema { queryType { name } } }"
    assert (await stack.data(introspection))["__schema"]["queryType"]["name"] == "Query"

    closed = await start_stack(run_app, database_url_for, introspection=False)
    body = await closed.query(introspection)
    assert body["data"] is None
    assert "introspection" in body["errors"][0]["message"].lower()


async def test_operation_batching_is_off_by_default(stack: Stack) -> None:
    response = await stack.gateway.post(
        "/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}]
    )

    assert response.status_code == 400


async def test_an_unexpected_error_is_masked_and_logged_with_the_request_id(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    organisation = await stack.organisation()
    await stack.pledge(organisation["id"])

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(values.Money, "from_rest", broken)
    with caplog.at_level(logging.ERROR, logger="mirps.gateway"):
        response = await stack.gateway.post(
            "/graphql",
            json={"query": "{ pledges { edges { node { amount { amount } title { en } } } } }"},
            headers={"X-Request-ID": "req-masked-1"},
        )

    body = response.json()
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "secret internal detail" not in response.text
    assert body["data"]["pledges"]["edges"][0]["node"] == {
        "amount": None,
        "title": {"en": "Pledge"},
    }
    logged = [record for record in caplog.records if record.name == "mirps.gateway"]
    assert logged
    assert logged[0].request_id == "req-masked-1"  # type: ignore[attr-defined]
    assert "secret internal detail" in caplog.text


async def test_a_downed_service_nulls_only_its_fields_and_names_itself(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    stack = await start_stack(run_app, database_url_for, down=("events",))
    organisation = await stack.organisation(name="Agencia de prueba")
    await stack.pledge(organisation["id"], announced_at="5c0e4d7a-2b8f-4b8e-8a86-3f5e0a3c9b11")

    body = await stack.query(
        """{
          pledges { edges { node { title { en } contributor { name } announcedAt { id } } } }
          events { totalCount }
          health { service ready }
        }"""
    )

    node = body["data"]["pledges"]["edges"][0]["node"]
    assert node == {
        "title": {"en": "Pledge"},
        "contributor": {"name": "Agencia de prueba"},
        "announcedAt": None,
    }
    assert body["data"]["events"] is None
    health = {item["service"]: item["ready"] for item in body["data"]["health"]}
    assert health == {"pledges": True, "practices": True, "events": False, "results": True}
    assert {error["extensions"]["service"] for error in body["errors"]} == {"events"}
    assert set(_codes(body)) == {"SERVICE_UNAVAILABLE"}
    assert {tuple(error["path"]) for error in body["errors"]} == {
        ("pledges", "edges", 0, "node", "announcedAt"),
        ("events",),
    }


async def test_token_and_request_id_are_forwarded_to_every_service(stack: Stack) -> None:
    headers = {**auth_headers("secretariat", sub="lead-1"), "X-Request-ID": "trace-42"}

    await stack.data(
        "{ pledges { totalCount } practices { totalCount } events { totalCount } }", headers=headers
    )

    for service in ("pledges", "practices", "events"):
        (call,) = stack.calls(service)
        assert call.headers["authorization"] == headers["Authorization"]
        assert call.headers["x-request-id"] == "trace-42"


async def test_validation_is_cached_across_requests_with_the_limit_rules_built_once(
    stack: Stack,
) -> None:
    from strawberry.extensions.validation_cache import _get_validate_cache

    cache: Any = _get_validate_cache(256)
    query = "{ countries { code name { es } } }"
    await stack.data(query)
    before = cache.cache_info()

    await stack.data(query)
    await stack.data(query)

    after = cache.cache_info()
    assert after.hits == before.hits + 2
    assert after.misses == before.misses


async def test_production_turns_graphiql_and_introspection_off_by_default(run_app: RunApp) -> None:
    from gateway.app import create_app
    from gateway.config import GatewaySettings
    from services.common.settings import CommonSettings

    production = CommonSettings(
        environment="production", jwt_jwks_url="https://idp.example.org/.well-known/jwks.json"
    )
    settings = GatewaySettings(mirps=production)
    assert not settings.graphiql_enabled
    assert not settings.introspection_enabled
    gateway = await run_app(create_app(settings))

    page = await gateway.get("/graphql", headers={"Accept": "text/html"})
    body = (
        await gateway.post("/graphql", json={"query": "{ __schema { types { name } } }"})
    ).json()

    assert "graphiql" not in page.text.lower()
    assert body["data"] is None
    assert "introspection" in body["errors"][0]["message"].lower()
    development = await run_app(create_app(GatewaySettings(mirps=CommonSettings())))
    assert (
        "graphiql"
        in (await development.get("/graphql", headers={"Accept": "text/html"})).text.lower()
    )


async def test_a_query_fanning_out_beyond_the_call_budget_stops_calling_services(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    stack = await start_stack(run_app, database_url_for, max_upstream_calls=4)
    organisations = [await stack.organisation() for _ in range(6)]
    for organisation in organisations:
        for _ in range(2):
            await stack.pledge(organisation["id"])
    first_page = await stack.data(
        """query($id: ID!) { organisation(id: $id) {
          pledges(first: 1) { pageInfo { endCursor } }
        } }""",
        {"id": organisations[0]["id"]},
        SECRETARIAT,
    )
    after = first_page["organisation"]["pledges"]["pageInfo"]["endCursor"]
    stack.reset_counts()

    # A nested list asked `after:` a cursor is read parent by parent: six organisations
    # would cost seven calls.
    body = await stack.query(
        """query($after: String) { organisations { nodes {
          restId pledges(first: 1, after: $after) { nodes { restId } }
        } } }""",
        {"after": after},
        headers=SECRETARIAT,
    )

    assert [call.url.path for call in stack.calls("pledges")] == [
        "/v1/organisations",
        "/v1/pledges",
        "/v1/pledges",
        "/v1/pledges",
    ]
    nodes = body["data"]["organisations"]["nodes"]
    assert len(nodes) == 6
    assert sum(item["pledges"] is None for item in nodes) == 3
    assert set(_codes(body)) == {"BAD_USER_INPUT"}
    assert "more than 4 service calls" in body["errors"][0]["message"]


async def test_a_service_answering_something_else_than_json_is_unavailable_by_name(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    organisation = await stack.organisation(name="Still here")
    event = await stack.event()
    await stack.pledge(organisation["id"], announced_at=event["id"])

    async def garbled(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>proxy error</html>")

    monkeypatch.setattr(stack.transports["events"], "handle_async_request", garbled)

    body = await stack.query(
        "{ pledges { nodes { contributor { name } announcedAt { restId } } } }"
    )

    (pledge,) = body["data"]["pledges"]["nodes"]
    assert pledge == {"contributor": {"name": "Still here"}, "announcedAt": None}
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["extensions"]["service"] == "events"
    assert "not JSON" in error["message"]
