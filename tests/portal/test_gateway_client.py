"""The portal's gateway client: reuse, background refresh, one request per query at a time."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from portal.gateway import GatewayClient


def counting_gateway(calls: list[dict[str, Any]], delay: float = 0.0) -> httpx.MockTransport:
    async def respond(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content))
        await asyncio.sleep(delay)
        return httpx.Response(200, json={"data": {"n": len(calls)}})

    return httpx.MockTransport(respond)


async def test_a_stale_answer_is_served_at_once_and_refreshed_behind_the_reader() -> None:
    calls: list[dict[str, Any]] = []
    client = GatewayClient(
        "http://gateway/graphql",
        cache_seconds=0.05,
        stale_seconds=60,
        timeout_seconds=5,
        transport=counting_gateway(calls),
    )
    first = await client.query("{ n }")
    await asyncio.sleep(0.06)
    stale = await client.query("{ n }")
    await asyncio.sleep(0.02)  # the refresh runs in the background
    fresh = await client.query("{ n }")
    await client.aclose()
    assert (first.data, stale.data, fresh.data) == ({"n": 1}, {"n": 1}, {"n": 2})
    assert len(calls) == 2


async def test_readers_of_the_same_query_share_one_gateway_request() -> None:
    calls: list[dict[str, Any]] = []
    client = GatewayClient(
        "http://gateway/graphql",
        cache_seconds=30,
        timeout_seconds=5,
        transport=counting_gateway(calls, delay=0.05),
    )
    answers = await asyncio.gather(*(client.query("{ n }", {"a": 1}) for _ in range(5)))
    other = await client.query("{ n }", {"a": 2})
    await client.aclose()
    assert {answer.data["n"] for answer in answers} == {1}
    assert other.data == {"n": 2}
    assert len(calls) == 2


async def test_without_cache_every_read_asks_the_gateway() -> None:
    calls: list[dict[str, Any]] = []
    client = GatewayClient(
        "http://gateway/graphql",
        cache_seconds=0,
        timeout_seconds=5,
        transport=counting_gateway(calls),
    )
    await client.query("{ n }")
    await client.query("{ n }")
    await client.aclose()
    assert len(calls) == 2
