"""Every service shell: health, readiness, problem+json, request ids, OpenAPI."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI

from services.common.settings import ServiceSettings
from tests.conftest import TEST_COMMON_SETTINGS, settle_failed_sqlite_connections

SERVICES = ("pledges", "practices", "events", "results")


def make_app(service: str, database_url: str) -> FastAPI:
    module = importlib.import_module(f"services.{service}.app")
    settings_class = importlib.import_module(f"services.{service}.config").Settings
    settings: ServiceSettings = settings_class(
        database_url=database_url, mirps=TEST_COMMON_SETTINGS
    )
    app: FastAPI = module.create_app(settings)
    return app


RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]


@pytest.mark.parametrize("service", SERVICES)
async def test_healthz_and_readyz_answer(
    service: str, database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    client = await run_app(make_app(service, await database_url_for(service)))
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


@pytest.mark.parametrize("service", SERVICES)
async def test_readyz_is_503_problem_when_database_unreachable(
    service: str, backend: str, run_app: RunApp
) -> None:
    unreachable = (
        "sqlite+aiosqlite:////proc/nonexistent/cannot/exist.db"
        if backend == "sqlite"
        else "postgresql+asyncpg://postgres@127.0.0.1:1/none"
    )
    app = make_app(service, unreachable)
    # Lifespan must not need the database: the process stays alive and reports not-ready.
    client = await run_app(app)
    assert (await client.get("/healthz")).status_code == 200
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 503
    await settle_failed_sqlite_connections()


@pytest.mark.parametrize("service", SERVICES)
async def test_openapi_has_title_description_and_version(service: str, run_app: RunApp) -> None:
    client = await run_app(make_app(service, "sqlite+aiosqlite:///:memory:"))
    document = (await client.get("/openapi.json")).json()
    assert document["info"]["title"].startswith("MIRPS")
    assert len(document["info"]["description"]) > 40
    assert document["info"]["version"]
