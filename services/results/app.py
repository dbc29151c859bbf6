"""The results service: the strategy's results framework, measured from the other services."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.app import ServiceInfo, build_service_app
from services.results import repository, service
from services.results.api import router
from services.results.changes import outbox, webhooks
from services.results.config import Settings
from services.results.queries import Upstream

logger = logging.getLogger("mirps.results")
RETRY_SECONDS = 30.0

INFO = ServiceInfo(
    name="results",
    title="MIRPS Support Platform results framework",
    description=(
        "The strategy's objectives, activities and outcomes with their indicators; "
        "indicators computed from the pledges, practices and events services' public APIs "
        "or reported with evidence; the workplan's milestones and the platform's "
        "governance; progress per outcome and objective and the semi-annual snapshots "
        "(Outcome 1.1.2)."
    ),
    tags=(
        {"name": "framework", "description": "Strategies, objectives, activities, outcomes."},
        {"name": "indicators", "description": "Indicators and their measurements."},
        {"name": "workplan", "description": "Milestones and governance roles."},
        {"name": "progress", "description": "Status per outcome and objective; snapshots."},
    ),
)


def upstream_clients(
    settings: Settings, transports: Mapping[str, httpx.AsyncBaseTransport] | None
) -> dict[str, httpx.AsyncClient]:
    """One pooled client per service read by computed indicators."""
    timeout = httpx.Timeout(settings.upstream_timeout)
    return {
        name: httpx.AsyncClient(
            base_url=url, timeout=timeout, transport=(transports or {}).get(name)
        )
        for name, url in settings.upstream_urls().items()
    }


async def refresh_once(
    sessionmaker: async_sessionmaker[AsyncSession], clients: Mapping[str, httpx.AsyncClient]
) -> dict[str, str]:
    """Measure every computed indicator in one transaction; returns the upstream errors."""
    async with sessionmaker() as session:
        if not await repository.try_refresh_lock(session):
            return {}  # another replica is measuring right now
        errors = await service.refresh_all(session, Upstream(clients))
        await session.commit()
    return errors


async def refresh_forever(app: FastAPI, interval: float) -> None:
    """The scheduled refresh; after an upstream error it retries sooner."""
    while True:
        try:
            errors = await refresh_once(app.state.sessionmaker, app.state.upstream)
        except Exception:  # the loop must outlive a failed round (e.g. the database down)
            logger.exception("scheduled refresh failed; retrying in %s s", RETRY_SECONDS)
            errors = {"refresh": "failed"}
        if errors:
            logger.warning("refresh: %d indicators stale: %s", len(errors), errors)
        await asyncio.sleep(min(interval, RETRY_SECONDS) if errors else interval)


def create_app(
    settings: Settings | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """App factory: `uvicorn --factory services.results.app:create_app`.

    `transports` lets tests route the calls to the other services to in-process apps.
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def running(app: FastAPI) -> AsyncIterator[None]:
        app.state.upstream = upstream_clients(settings, transports)
        task = None
        if settings.refresh_interval_seconds > 0:
            task = asyncio.create_task(refresh_forever(app, settings.refresh_interval_seconds))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            for client in app.state.upstream.values():
                await client.aclose()

    return build_service_app(INFO, settings, [router, outbox.router(), webhooks.router()], running)
