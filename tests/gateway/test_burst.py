"""A burst of 50 concurrent queries through the gateway: no error, on either transport.

The pledges service runs under uvicorn on a free port (real sockets, keep-alive, the
server closing idle connections), the gateway in-process with its aiohttp (default) or
httpx upstream transport. At concurrency 50 httpx's own pool answered some requests with
`ReadError` on pooled connections (issue 18): each such answer is a SERVICE_UNAVAILABLE
error here. A pool smaller than the burst queues the calls instead of failing them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from unittest.mock import Mock

import aiohttp
import httpx
import pytest
import uvicorn

from gateway.app import create_app as create_gateway
from gateway.clients import ServiceClients
from gateway.errors import ServiceUnavailable
from gateway.upstream import Upstream
from services.cli import port_is_free
from services.pledges.app import create_app as create_pledges
from services.pledges.config import Settings
from tests.conftest import TEST_COMMON_SETTINGS, auth_headers
from tests.e2e.runner import free_port_block
from tests.gateway.conftest import gateway_settings

SECRETARIAT = auth_headers("secretariat", sub="secretariat-1")
RunApp = Callable[..., Awaitable[httpx.AsyncClient]]
BURST = 50
PATIENT_READ_SECONDS = 120.0

QUERY = "query($id: ID!) { pledge(id: $id) { title { en } contributor { name } } }"


@pytest.fixture
async def pledges_url(database_url_for: Callable[[str], Awaitable[str]]) -> AsyncIterator[str]:
    """The pledges service, served by uvicorn on a free port until the test ends."""
    port = free_port_block(1)
    # The database waits are generous: the test is about the gateway's transport, not the
    # service's pool on a busy CI machine (which answers 503 after 1 s by default).
    settings = Settings(
        database_url=await database_url_for("pledges"),
        mirps=TEST_COMMON_SETTINGS,
        db_pool_timeout=30,
        db_statement_timeout=30,
        db_connect_timeout=30,
    )
    app = create_pledges(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the pledges service did not start"
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task
    assert port_is_free("127.0.0.1", port)


async def _pledge_id(pledges_url: str) -> str:
    async with httpx.AsyncClient(base_url=pledges_url, headers=SECRETARIAT) as rest:
        organisation = (
            await rest.post("/v1/organisations", json={"name": "Org burst", "kind": "state"})
        ).json()
        pledge = await rest.post(
            "/v1/pledges",
            json={
                "contributor_id": organisation["id"],
                "kind": "financial",
                "title": {"en": "Support"},
                "amount": {"amount": "1000", "currency": "USD"},
                "recipient_countries": ["GTM"],
                "announced_on": "2022-09-28",
            },
        )
        assert pledge.status_code == 201, pledge.text
        pledge_id: str = pledge.json()["id"]
        return pledge_id


async def _bursts_without_error(gateway: httpx.AsyncClient, pledge_id: str) -> None:
    body = {"query": QUERY, "variables": {"id": pledge_id}}
    for _ in range(2):  # the second burst reuses the pooled connections of the first
        answers = await asyncio.gather(*(gateway.post("/graphql", json=body) for _ in range(BURST)))
        assert [answer.status_code for answer in answers] == [200] * BURST
        errors = [answer.json().get("errors") for answer in answers if answer.json().get("errors")]
        assert errors == []
        names = {answer.json()["data"]["pledge"]["contributor"]["name"] for answer in answers}
        assert names == {"Org burst"}


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_fifty_concurrent_queries_get_fifty_answers_without_error(
    pledges_url: str, run_app: RunApp, transport: str
) -> None:
    pledge_id = await _pledge_id(pledges_url)
    # A busy CI machine may take seconds per answer; an answer's lateness is not under test.
    settings = gateway_settings(
        pledges_url=pledges_url, http_transport=transport, read_timeout=PATIENT_READ_SECONDS
    )
    gateway = await run_app(create_gateway(settings))

    await _bursts_without_error(gateway, pledge_id)


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_a_burst_larger_than_the_pool_waits_for_connections_instead_of_failing(
    pledges_url: str, run_app: RunApp, transport: str
) -> None:
    # One connection for 100 calls: most wait far longer than the connect timeout for a
    # free connection. Waiting in the pool is not a failure to connect.
    pledge_id = await _pledge_id(pledges_url)
    # The wait for a pooled connection is bounded by the read timeout, generous here: 100
    # calls in turn on one connection take several seconds on a busy machine.
    settings = gateway_settings(
        pledges_url=pledges_url,
        http_transport=transport,
        max_connections=1,
        connect_timeout=0.2,
        read_timeout=PATIENT_READ_SECONDS,
    )
    gateway = await run_app(create_gateway(settings))

    await _bursts_without_error(gateway, pledge_id)


def _upstream(handler: Callable[[httpx.Request], httpx.Response]) -> Upstream:
    settings = gateway_settings(pledges_url="http://pledges.test")
    clients = ServiceClients(settings, {"pledges": httpx.MockTransport(handler)})
    return Upstream(clients, authorization=None, request_id=None)


async def test_a_read_on_a_dropped_connection_is_sent_once_more_and_a_write_is_not() -> None:
    sent: list[str] = []

    def closes_the_first_connection(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        if len(sent) % 2 == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(200, json={"items": []})

    upstream = _upstream(closes_the_first_connection)

    assert await upstream.get("pledges", "/v1/pledges") == {"items": []}
    assert sent == ["GET", "GET"]
    with pytest.raises(ServiceUnavailable):
        await upstream.send("pledges", "POST", "/v1/pledges", {"title": {"en": "x"}})
    assert sent == ["GET", "GET", "POST"]


async def test_a_read_that_timed_out_is_not_sent_again() -> None:
    sent: list[str] = []

    def times_out(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        raise httpx.ReadTimeout("no answer", request=request)

    with pytest.raises(ServiceUnavailable):
        await _upstream(times_out).get("pledges", "/v1/pledges")
    assert sent == ["GET"]


def _raised_by_aiohttp(cause: Exception) -> httpx.ConnectTimeout:
    """What httpx_aiohttp raises for `cause`: every aiohttp connection error is mapped to a
    ConnectTimeout, so the gateway tells them apart by the cause."""
    error = httpx.ConnectTimeout(str(cause))
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("cause", "sends"),
    [
        (aiohttp.ServerDisconnectedError(), 2),
        (aiohttp.ClientConnectorError(Mock(), ConnectionRefusedError(111, "refused")), 1),
    ],
)
async def test_on_the_aiohttp_transport_only_a_dropped_connection_is_sent_again(
    cause: Exception, sends: int
) -> None:
    sent: list[str] = []

    def fails(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        raise _raised_by_aiohttp(cause)

    with pytest.raises(ServiceUnavailable):
        await _upstream(fails).get("pledges", "/v1/pledges")
    assert len(sent) == sends
