"""The gateway wired to the three real service apps, in-process, with upstream counting.

Each service runs its real app (lifespan, migrations, database) behind an httpx transport
that records every request the gateway makes, so tests can assert the batching bound and
what was forwarded. Data is created through the services' own REST APIs.
"""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.app import create_app as create_gateway
from gateway.clients import SERVICE_NAMES
from gateway.config import GatewaySettings
from services.common.settings import ServiceSettings
from tests.conftest import TEST_COMMON_SETTINGS, auth_headers

SECRETARIAT = auth_headers("secretariat", sub="secretariat-1")
RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]
DatabaseUrlFor = Callable[[str], Awaitable[str]]


class RecordingTransport(httpx.AsyncBaseTransport):
    """Sends the gateway's requests to a service app and remembers each one."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.requests: list[httpx.Request] = []
        # Seconds each answer waits, drawn per request (None: none), like a real network.
        self.delay: Callable[[], float] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.delay is not None:
            await asyncio.sleep(self.delay())
        await request.aread()
        response = await self.client.send(request)
        headers = [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in {"content-length", "content-encoding", "transfer-encoding"}
        ]
        return httpx.Response(response.status_code, headers=headers, content=response.content)


def make_service_app(
    service: str,
    database_url: str,
    upstreams: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """A service's real app; the results service reads the others through `upstreams`."""
    module = importlib.import_module(f"services.{service}.app")
    settings_class = importlib.import_module(f"services.{service}.config").Settings
    settings: ServiceSettings = settings_class(
        database_url=database_url, mirps=TEST_COMMON_SETTINGS
    )
    if service == "results":
        app: FastAPI = module.create_app(settings, transports=upstreams or {})
        return app
    app = module.create_app(settings)
    return app


@dataclass
class Stack:
    """The gateway and the services behind it."""

    gateway: httpx.AsyncClient
    services: dict[str, httpx.AsyncClient]
    transports: dict[str, RecordingTransport] = field(default_factory=dict)

    async def query(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = await self.gateway.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The `data` of a query that must answer without errors."""
        body = await self.query(query, variables, headers)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def reset_counts(self) -> None:
        for transport in self.transports.values():
            transport.requests.clear()

    def calls(self, service: str) -> list[httpx.Request]:
        return list(self.transports[service].requests)

    async def rest(
        self,
        service: str,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        expect: int | None = None,
    ) -> Any:
        """Call a service directly (to set data up or to check what changed)."""
        response = await self.services[service].request(
            method, path, json=body, headers=headers if headers is not None else SECRETARIAT
        )
        if expect is not None:
            assert response.status_code == expect, response.text
        else:
            assert response.is_success, response.text
        return response.json() if response.content else None

    # ------------------------------------------------------------ factories over REST

    async def organisation(self, **fields: Any) -> dict[str, Any]:
        body = {"name": f"Org {uuid.uuid4().hex[:6]}", "kind": "state", **fields}
        result: dict[str, Any] = await self.rest("pledges", "POST", "/v1/organisations", body)
        return result

    async def objective(self, **fields: Any) -> dict[str, Any]:
        body = {
            "country": "GTM",
            "pillar": "durable_solutions",
            "theme": "employment_livelihoods",
            "title": {"es": "Empleo", "en": "Jobs"},
            "requirement": {"amount": "1000000", "currency": "USD"},
            "start_year": 2023,
            "end_year": 2025,
            **fields,
        }
        result: dict[str, Any] = await self.rest("pledges", "POST", "/v1/objectives", body)
        return result

    async def pledge(self, contributor_id: str, **fields: Any) -> dict[str, Any]:
        body = {
            "contributor_id": contributor_id,
            "kind": "financial",
            "title": {"es": "Promesa", "en": "Pledge"},
            "amount": {"amount": "100000", "currency": "USD"},
            "recipient_countries": ["GTM"],
            "announced_on": "2022-09-20",
            **fields,
        }
        result: dict[str, Any] = await self.rest("pledges", "POST", "/v1/pledges", body)
        return result

    async def event(self, schedule: bool = True, **fields: Any) -> dict[str, Any]:
        """An event; scheduled unless told otherwise (proposed ones are not public)."""
        body = {
            "kind": "learning_event",
            "title": {"es": "Evento de aprendizaje", "en": "Learning event"},
            "starts_at": "2023-05-16T09:00:00",
            "ends_at": "2023-05-16T13:00:00",
            "timezone": "America/Panama",
            "mode": "virtual",
            "online_url": "https://meet.example.org/le",
            **fields,
        }
        result: dict[str, Any] = await self.rest("events", "POST", "/v1/events", body)
        if schedule:
            result = await self.rest("events", "POST", f"/v1/events/{result['id']}/schedule")
        return result

    async def practice(self, publish: bool = True, **fields: Any) -> dict[str, Any]:
        body = {
            "title": {"es": "Integración laboral", "en": "Labour integration"},
            "summary": {"es": "Bolsa de empleo", "en": "Job matching"},
            "country": "GTM",
            "origin": "mirps_country",
            "themes": ["employment_livelihoods"],
            **fields,
        }
        record: dict[str, Any] = await self.rest("practices", "POST", "/v1/practices", body)
        if publish:
            path = f"/v1/practices/{record['id']}"
            await self.rest("practices", "POST", f"{path}/submit")
            record = await self.rest("practices", "POST", f"{path}/publish")
        return record


def gateway_settings(**overrides: Any) -> GatewaySettings:
    """The gateway's settings in tests: no response cache unless a test turns it on (tests
    read what they have just written, anonymously)."""
    return GatewaySettings(
        **{"mirps": TEST_COMMON_SETTINGS, "response_cache_seconds": 0, **overrides}
    )


async def start_stack(
    run_app: RunApp,
    database_url_for: DatabaseUrlFor,
    *,
    down: tuple[str, ...] = (),
    **settings: Any,
) -> Stack:
    """The services (except those `down`, which refuse connections) and the gateway."""
    services: dict[str, httpx.AsyncClient] = {}
    transports: dict[str, RecordingTransport] = {}
    for name in SERVICE_NAMES:
        if name in down:
            continue
        url = await database_url_for(name)
        client = await run_app(make_service_app(name, url, dict(transports)))
        services[name] = client
        transports[name] = RecordingTransport(client)
    # A downed service is a real closed port: the gateway's own transport gets refused.
    urls = {f"{name}_url": "http://127.0.0.1:9" for name in down}
    gateway = await run_app(
        create_gateway(gateway_settings(**urls, **settings), transports=dict(transports))
    )
    return Stack(gateway=gateway, services=services, transports=transports)


@pytest.fixture
async def stack(run_app: RunApp, database_url_for: DatabaseUrlFor) -> Stack:
    return await start_stack(run_app, database_url_for)
