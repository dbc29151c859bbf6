"""Rate limits (memory and Redis), header limits and load shedding, as a client meets them."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from services.common.app import ServiceInfo, build_service_app
from services.common.errors import PROBLEM_MEDIA_TYPE
from services.common.settings import CommonSettings, ServiceSettings
from tests.conftest import auth_headers

RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]
REDIS_URL = os.environ.get("MIRPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> None:
    """Skip without a Redis server, except in CI (CI=true), where that fails the run."""
    location = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((location.hostname, location.port or 6379), timeout=0.5):
            return
    except OSError:
        message = f"no Redis server at {REDIS_URL} (set MIRPS_TEST_REDIS_URL)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def edge_app(name: str = "edge", **common: Any) -> FastAPI:
    """A service app with one echo route and one route held until the test releases it."""
    router = APIRouter(prefix="/v1")
    release = asyncio.Event()
    all_held = asyncio.Event()
    held: list[int] = []

    @router.get("/echo")
    async def echo() -> dict[str, str]:
        """Answer at once."""
        return {"ok": "yes"}

    @router.get("/hold")
    async def hold() -> dict[str, str]:
        """Answer once the test sets `app.state.release`."""
        held.append(1)
        if len(held) >= app.state.hold_count:
            all_held.set()
        await release.wait()
        return {"held": "released"}

    settings = ServiceSettings(
        database_url="sqlite+aiosqlite:///:memory:",
        mirps=CommonSettings(environment="test", **common),
    )
    info = ServiceInfo(name=name, title="MIRPS edge test", description="Edge limits under test.")
    app = build_service_app(info, settings, [router])
    app.state.release = release
    app.state.all_held = all_held
    app.state.hold_count = 2
    return app


def assert_rate_limited(response: httpx.Response, quota: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == "/problems/rate-limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.headers["RateLimit-Policy"] == f'"{quota}-per-60s";q={quota};w=60'
    assert response.headers["RateLimit"].startswith(f'"{quota}-per-60s";r=0;t=')


async def test_a_caller_past_its_quota_gets_429_with_the_ratelimit_headers(
    run_app: RunApp,
) -> None:
    client = await run_app(edge_app(rate_limit="3/minute"))
    member = auth_headers("member", sub=f"member-{uuid.uuid4().hex}")
    answers = [await client.get("/v1/echo", headers=member) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert [answer.headers["RateLimit"].split(";")[1] for answer in answers] == [
        "r=2",
        "r=1",
        "r=0",
    ]
    assert answers[0].headers["RateLimit-Policy"] == '"3-per-60s";q=3;w=60'
    assert_rate_limited(await client.get("/v1/echo", headers=member), 3)

    # Another subject has its own quota; anonymous callers count by address; probes are free.
    other = auth_headers("member", sub=f"member-{uuid.uuid4().hex}")
    assert (await client.get("/v1/echo", headers=other)).status_code == 200
    assert (await client.get("/v1/echo")).status_code == 200
    assert (await client.get("/healthz", headers=member)).status_code == 200


async def test_a_forged_token_counts_against_the_client_address(run_app: RunApp) -> None:
    client = await run_app(edge_app(rate_limit="2/minute"))
    for index in range(2):
        forged = {"Authorization": f"Bearer not-a-token-{index}"}
        assert (await client.get("/v1/echo", headers=forged)).status_code == 200
    assert_rate_limited(await client.get("/v1/echo"), 2)


async def test_an_empty_rate_limit_turns_limiting_off(run_app: RunApp) -> None:
    client = await run_app(edge_app(rate_limit=""))
    response = await client.get("/v1/echo")
    assert response.status_code == 200
    assert "RateLimit" not in response.headers


def test_a_malformed_rate_limit_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="not a rate limit"):
        CommonSettings(rate_limit="lots")


async def test_replicas_share_one_counter_through_redis(run_app: RunApp) -> None:
    require_redis()
    name = f"edge-{uuid.uuid4().hex[:8]}"  # a namespace of its own in the shared Redis
    first = await run_app(edge_app(name, rate_limit="3/minute", redis_url=REDIS_URL))
    second = await run_app(edge_app(name, rate_limit="3/minute", redis_url=REDIS_URL))
    member = auth_headers("member", sub="one-member")
    assert (await first.get("/v1/echo", headers=member)).status_code == 200
    assert (await second.get("/v1/echo", headers=member)).status_code == 200
    assert (await first.get("/v1/echo", headers=member)).status_code == 200
    assert_rate_limited(await second.get("/v1/echo", headers=member), 3)


async def test_an_unreachable_redis_lets_requests_through(run_app: RunApp) -> None:
    client = await run_app(edge_app(rate_limit="1/minute", redis_url="redis://127.0.0.1:9/0"))
    for _ in range(3):
        response = await client.get("/v1/echo")
        assert response.status_code == 200
        assert "RateLimit" not in response.headers


async def test_too_many_or_too_large_headers_get_431(run_app: RunApp) -> None:
    client = await run_app(edge_app(max_header_bytes=2048, max_header_count=20))
    many = {f"X-Extra-{index}": "1" for index in range(25)}
    response = await client.get("/v1/echo", headers=many)
    assert response.status_code == 431
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "header fields" in response.json()["detail"]
    large = await client.get("/v1/echo", headers={"X-Large": "x" * 3000})
    assert large.status_code == 431
    assert "bytes" in large.json()["detail"]
    assert (await client.get("/v1/echo", headers={"X-Small": "x" * 500})).status_code == 200


async def test_past_the_concurrency_bound_a_process_sheds_load_at_once(
    run_app: RunApp,
) -> None:
    app = edge_app(max_concurrent_requests=2, overload_retry_after_seconds=3)
    client = await run_app(app)
    held = [asyncio.create_task(client.get("/v1/hold")) for _ in range(2)]
    async with asyncio.timeout(5):
        await app.state.all_held.wait()

    async with asyncio.timeout(1):  # answered at once, not queued behind the held two
        shed = await client.get("/v1/echo")
        probe = await client.get("/healthz")
    assert shed.status_code == 503
    assert shed.headers["Retry-After"] == "3"
    assert shed.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert shed.json()["type"] == "/problems/overloaded"
    assert probe.status_code == 200

    app.state.release.set()
    assert [(await task).status_code for task in held] == [200, 200]
    assert (await client.get("/v1/echo")).status_code == 200


def test_the_openapi_document_declares_the_edge_answers() -> None:
    document = edge_app().openapi()
    echo = document["paths"]["/v1/echo"]["get"]["responses"]
    assert {"429", "431", "503"} <= set(echo)
    assert "Retry-After" in echo["429"]["headers"]
    assert echo["503"]["content"] == {
        PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    assert "429" not in document["paths"]["/healthz"]["get"]["responses"]
