"""The gateway's `health` query: per-service readiness, still answering when one is down."""

from __future__ import annotations

import contextlib

import httpx
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.config import GatewaySettings
from tests.common.test_service_shells import make_app
from tests.conftest import TEST_COMMON_SETTINGS, settle_failed_sqlite_connections

HEALTH = "{ health { service ready latencyMs error } }"


class RefusingTransport(httpx.AsyncBaseTransport):
    """A service whose process is gone: every connection is refused."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)


async def test_health_reports_a_down_service_and_still_answers(database_url_for, run_app) -> None:
    async with contextlib.AsyncExitStack() as stack:
        transports: dict[str, httpx.AsyncBaseTransport] = {"events": RefusingTransport()}
        for service in ("pledges", "practices"):
            app = make_app(service, await database_url_for(service))
            running = await stack.enter_async_context(LifespanManager(app))
            transports[service] = httpx.ASGITransport(app=running.app)
        gateway = create_app(GatewaySettings(mirps=TEST_COMMON_SETTINGS), transports=transports)
        client = await run_app(gateway)

        response = await client.post("/graphql", json={"query": HEALTH})

    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    health = {row["service"]: row for row in body["data"]["health"]}
    assert health["pledges"]["ready"] is True
    assert health["pledges"]["latencyMs"] >= 0
    assert health["practices"]["ready"] is True
    assert health["events"] == {
        "service": "events",
        "ready": False,
        "latencyMs": None,
        "error": "connection refused",
    }


async def test_health_reports_a_service_whose_database_is_down(backend, run_app) -> None:
    unreachable = {
        "sqlite": "sqlite+aiosqlite:////proc/nonexistent/x.db",
        "postgresql": "postgresql+asyncpg://postgres@127.0.0.1:1/none",
    }[backend]
    async with LifespanManager(make_app("pledges", unreachable)) as running:
        transports = {
            "pledges": httpx.ASGITransport(app=running.app),
            "practices": RefusingTransport(),
            "events": RefusingTransport(),
        }
        gateway = create_app(GatewaySettings(mirps=TEST_COMMON_SETTINGS), transports=transports)
        client = await run_app(gateway)
        response = await client.post("/graphql", json={"query": HEALTH})
        await settle_failed_sqlite_connections()
    pledges = next(row for row in response.json()["data"]["health"] if row["service"] == "pledges")
    assert pledges["ready"] is False
    assert pledges["error"] == "/readyz answered 503"
