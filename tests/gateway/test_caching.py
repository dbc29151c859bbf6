"""The anonymous response cache and persisted queries (Apollo APQ)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from gateway.caching import UpstreamValidators
from tests.gateway.conftest import SECRETARIAT, Stack, start_stack

PLEDGES = "{ pledges(first: 5) { totalCount nodes { title { en } contributor { name } } } }"
RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]
UrlFor = Callable[[str], Awaitable[str]]


@pytest.fixture
async def cached(run_app: RunApp, database_url_for: UrlFor) -> Stack:
    """The stack with a 0.5 s response cache."""
    stack = await start_stack(run_app, database_url_for, response_cache_seconds=0.5)
    organisation = await stack.organisation()
    await stack.pledge(organisation["id"])
    stack.reset_counts()
    return stack


async def ask(
    stack: Stack, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    return await stack.gateway.post("/graphql", json=body, headers=headers)


async def test_a_repeated_anonymous_query_is_answered_from_the_cache_until_it_expires(
    cached: Stack,
) -> None:
    first = await ask(cached, {"query": PLEDGES})
    calls = len(cached.calls("pledges"))
    second = await ask(cached, {"query": PLEDGES})
    assert second.headers.get("x-cache") == "hit"
    assert second.json() == first.json()
    assert len(cached.calls("pledges")) == calls
    # Other variables (here: another operation text) are another entry.
    other = await ask(cached, {"query": PLEDGES.replace("first: 5", "first: 4")})
    assert other.headers.get("x-cache") is None
    await asyncio.sleep(0.6)
    third = await ask(cached, {"query": PLEDGES})
    assert third.headers.get("x-cache") is None
    assert len(cached.calls("pledges")) > calls


async def test_an_authenticated_query_is_never_cached(cached: Stack) -> None:
    await ask(cached, {"query": PLEDGES}, SECRETARIAT)
    again = await ask(cached, {"query": PLEDGES}, SECRETARIAT)
    assert again.headers.get("x-cache") is None
    assert len(cached.calls("pledges")) == 2


async def test_an_answer_with_errors_is_never_cached(cached: Stack) -> None:
    query = {"query": "{ pledges(first: 101) { totalCount } }"}  # past the page size
    first = await ask(cached, query)
    assert first.json().get("errors")
    again = await ask(cached, query)
    assert again.headers.get("x-cache") is None


async def test_a_mutation_is_never_cached(cached: Stack) -> None:
    mutation = {"query": 'mutation { createOrganisation(input: {name: "X", kind: STATE}) { id } }'}
    await ask(cached, mutation)
    again = await ask(cached, mutation)
    assert again.headers.get("x-cache") is None


async def test_a_persisted_query_is_sent_once_then_by_its_hash(cached: Stack) -> None:
    digest = hashlib.sha256(PLEDGES.encode()).hexdigest()
    by_hash = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}

    unknown = await ask(cached, by_hash, SECRETARIAT)
    assert unknown.status_code == 200
    assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = await ask(cached, {"query": PLEDGES, **by_hash}, SECRETARIAT)
    assert len(registered.json()["data"]["pledges"]["nodes"]) == 1, registered.text
    answered = await ask(cached, by_hash, SECRETARIAT)
    assert answered.json() == registered.json()
    # By GET too, with the extensions in the query string (a CDN can cache that URL).
    fetched = await cached.gateway.get(
        "/graphql",
        params={"extensions": orjson.dumps(by_hash["extensions"]).decode()},
    )
    assert fetched.json().get("data") == registered.json()["data"], fetched.text


async def test_a_document_that_does_not_match_its_hash_is_refused(cached: Stack) -> None:
    wrong = {"version": 1, "sha256Hash": "0" * 64}
    answer = await ask(cached, {"query": PLEDGES, "extensions": {"persistedQuery": wrong}})
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["message"] == "provided sha does not match query"
    assert cached.calls("pledges") == []


async def test_no_cache_when_its_seconds_are_zero(
    run_app: RunApp, database_url_for: UrlFor
) -> None:
    stack = await start_stack(run_app, database_url_for)
    await ask(stack, {"query": PLEDGES})
    again = await ask(stack, {"query": PLEDGES})
    assert again.headers.get("x-cache") is None


HEALTH = "{ health { service ready } }"


@pytest.mark.parametrize(
    "query",
    [
        HEALTH,
        "query Ready { pledges(first: 1) { totalCount } alive: health { ready } }",
        "query { ...Live } fragment Live on Query { health { ready } }",
        "query { ... on Query { health { ready } } }",
    ],
)
async def test_health_is_never_answered_from_the_cache(cached: Stack, query: str) -> None:
    await ask(cached, {"query": query})
    asked = len(cached.calls("pledges"))

    again = await ask(cached, {"query": query})

    assert again.headers.get("x-cache") is None
    readiness = [call for call in cached.calls("pledges") if call.url.path == "/readyz"]
    assert len(cached.calls("pledges")) > asked
    assert len(readiness) == 2


def _statuses(stack: Stack, service: str) -> list[int]:
    """Record the status of each answer the service gives the gateway from now on."""
    transport = stack.transports[service]
    statuses: list[int] = []
    forward = transport.handle_async_request

    async def recording(request: httpx.Request) -> httpx.Response:
        response = await forward(request)
        statuses.append(response.status_code)
        return response

    transport.handle_async_request = recording  # type: ignore[method-assign]
    return statuses


async def test_an_expired_answer_is_revalidated_with_the_services_etags(cached: Stack) -> None:
    statuses = _statuses(cached, "pledges")
    first = await ask(cached, {"query": PLEDGES})
    first_calls = len(cached.calls("pledges"))
    await asyncio.sleep(0.6)
    cached.reset_counts()

    again = await ask(cached, {"query": PLEDGES})

    assert again.headers.get("x-cache") is None
    assert again.json() == first.json()
    conditional = [call.headers.get("if-none-match") for call in cached.calls("pledges")]
    assert conditional
    assert all(conditional), "every anonymous read is asked conditionally"
    assert statuses[first_calls:] == [304] * len(conditional)


async def test_a_changed_answer_is_read_again_not_reused(cached: Stack) -> None:
    first = await ask(cached, {"query": PLEDGES})
    organisation = await cached.organisation()
    await cached.pledge(organisation["id"])
    await asyncio.sleep(0.6)

    again = await ask(cached, {"query": PLEDGES})

    titles = len(again.json()["data"]["pledges"]["nodes"])
    assert titles == len(first.json()["data"]["pledges"]["nodes"]) + 1


async def test_reads_with_a_token_are_never_conditional(cached: Stack) -> None:
    await ask(cached, {"query": PLEDGES}, SECRETARIAT)
    await ask(cached, {"query": PLEDGES}, SECRETARIAT)

    assert [call.headers.get("if-none-match") for call in cached.calls("pledges")] == [
        None,
        None,
    ]


def test_kept_bodies_are_bounded_by_their_size() -> None:
    validators = UpstreamValidators(max_bytes=100)
    validators.remember("first", '"a"', b"x" * 50)
    validators.remember("second", '"b"', b"y" * 40)

    validators.remember("third", '"c"', b"z" * 40)
    validators.remember("huge", '"d"', b"w" * 500)

    assert validators.get("first") is None
    assert validators.get("second") == ('"b"', b"y" * 40)
    assert validators.get("third") == ('"c"', b"z" * 40)
    assert validators.get("huge") is None
