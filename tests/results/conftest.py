"""Fixtures of the results tests: the service on a migrated, emptied database; the other
three services running in-process (with their demo data when asked) for computed indicators."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.cli import load_demo
from services.results.app import create_app
from services.results.config import Settings
from tests.conftest import TEST_COMMON_SETTINGS, auth_headers
from tests.gateway.conftest import RecordingTransport, make_service_app

SECRETARIAT = auth_headers("secretariat", sub="secretariat-1")
GTM_FOCAL_POINT = auth_headers("country_focal_point", countries=("GTM",), sub="fp-gtm")
HND_FOCAL_POINT = auth_headers("country_focal_point", countries=("HND",), sub="fp-hnd")
MEMBER = auth_headers("member", org_id="org-usa", sub="usa-member")
STRATEGY = "sp-test"
UPSTREAMS = ("pledges", "practices", "events")

RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]
DatabaseUrlFor = Callable[[str], Awaitable[str]]


class DownTransport(httpx.AsyncBaseTransport):
    """A service that refuses every connection."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)


def results_settings(database_url: str, **overrides: Any) -> Settings:
    return Settings(database_url=database_url, mirps=TEST_COMMON_SETTINGS, **overrides)


@pytest.fixture
async def results_url(database_url_for: DatabaseUrlFor) -> str:
    return await database_url_for("results")


@pytest.fixture
async def client(results_url: str, run_app: RunApp) -> httpx.AsyncClient:
    """The results service, every other service down."""
    down = dict.fromkeys(UPSTREAMS, DownTransport())
    return await run_app(create_app(results_settings(results_url), transports=down))


async def start_upstreams(
    run_app: RunApp, database_url_for: DatabaseUrlFor, *, demo: bool
) -> dict[str, RecordingTransport]:
    """The three services in-process (with their demo data if asked), as transports."""
    transports = {}
    for name in UPSTREAMS:
        url = await database_url_for(name)
        if demo:
            await load_demo(name, url)
        transports[name] = RecordingTransport(await run_app(make_service_app(name, url)))
    return transports


async def post(
    client: httpx.AsyncClient,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
    expect: int = 201,
) -> dict[str, Any]:
    response = await client.post(
        path, json=body, headers=SECRETARIAT if headers is None else headers
    )
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def build_framework(client: httpx.AsyncClient) -> None:
    """A small strategy: objective 1, activity 1.1, outcomes 1.1.1 and 1.1.2."""
    await post(
        client,
        "/v1/strategies",
        {
            "code": STRATEGY,
            "title": {"en": "Test strategy"},
            "starts_on": "2023-01-01",
            "ends_on": "2023-12-31",
        },
    )
    for level, code, parent in (
        ("objective", "1", None),
        ("activity", "1.1", "1"),
        ("outcome", "1.1.1", "1.1"),
        ("outcome", "1.1.2", "1.1"),
    ):
        body = {"level": level, "code": code, "parent_code": parent, "title": {"en": code}}
        await post(client, f"/v1/strategies/{STRATEGY}/elements", body)


def indicator_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "nap-gtm-jobs",
        "outcome_code": "1.1.1",
        "name": {"es": "Empleos", "en": "Jobs"},
        "unit": "count",
        "direction": "increase",
        "baseline": "0",
        "target": "100",
        "period": "2023",
        "source": "reported",
        "country": "GTM",
    }
    body.update(overrides)
    return body


async def create_indicator(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    return await post(client, f"/v1/strategies/{STRATEGY}/indicators", indicator_body(**overrides))
