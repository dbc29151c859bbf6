"""The webhook worker: one dispatcher per service database, in a process of its own.

It also keeps the services' reference tables current: every
`WORKER_REFERENCES_INTERVAL_SECONDS` it reads each service's upstream change feeds into
that service's `known_references` (see services.common.references).

It is an ASGI app like the others only so it is run, probed and supervised the same way
(`uvicorn --factory services.worker:create_app`, `/healthz`, `/readyz`); its work is the
loop started in its lifespan. Run as many replicas as needed on PostgreSQL: they share
the queue through row locks (see services.common.dispatcher). It reads each service's
database URL from that service's own variables (PLEDGES_DATABASE_URL, …).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.common.db import make_engine, make_sessionmaker
from services.common.dispatcher import DeliveryPolicy, Dispatcher
from services.common.errors import database_unavailable, install_error_handlers
from services.common.health import HealthStatus
from services.common.logging import configure_logging
from services.common.references import (
    REFERENCING_SERVICES,
    References,
    feed_clients,
    service_references,
    sync,
)
from services.common.settings import CommonSettings, ServiceSettings
from services.common.webhooks import Webhooks

SERVICES = ("pledges", "practices", "events", "results")
logger = logging.getLogger("mirps.worker")


class WorkerSettings(BaseSettings):
    """Settings of the webhook worker (prefix WORKER_)."""

    model_config = SettingsConfigDict(env_prefix="WORKER_", extra="ignore")

    poll_interval_seconds: float = Field(
        default=0.5, gt=0, le=60, description="Pause between rounds when nothing was due."
    )
    delivery_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="Time one webhook POST may take, in seconds."
    )
    batch_size: int = Field(
        default=50, ge=1, le=1000, description="Deliveries one replica claims per round."
    )
    references_interval_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Read the services' change feeds into each other's reference tables "
        "this often (see `mirps references sync`); 0 turns it off.",
    )
    mirps: CommonSettings = Field(default_factory=CommonSettings)


def _reader(service: str, engine: AsyncEngine) -> ReferenceReader:
    settings, _hooks = _service(service)
    references = service_references(service)
    return ReferenceReader(
        service,
        references,
        make_sessionmaker(engine),
        feed_clients(references, settings),
        settings.mirps,
    )


def _service(service: str) -> tuple[ServiceSettings, Webhooks]:
    settings: ServiceSettings = importlib.import_module(f"services.{service}.config").Settings()
    hooks: Webhooks = importlib.import_module(f"services.{service}.changes").webhooks
    return settings, hooks


async def _loop(dispatchers: list[Dispatcher], pause: float) -> None:
    while True:
        attempted = 0
        for dispatcher in dispatchers:
            try:
                attempted += await dispatcher.run_once()
            except (OSError, SQLAlchemyError) as exc:  # a database away: try again next round
                logger.warning("%s: %s", dispatcher.hooks.outbox.service, exc)
        if not attempted:
            await asyncio.sleep(pause)


@dataclass(frozen=True)
class ReferenceReader:
    """One service's reference tables, its database and its upstreams' feeds."""

    service: str
    references: References
    sessionmaker: async_sessionmaker[AsyncSession]
    clients: dict[str, httpx.AsyncClient]
    settings: CommonSettings


async def _references_loop(readers: list[ReferenceReader], interval: float) -> None:
    while True:
        for reader in readers:
            try:
                await sync(reader.references, reader.sessionmaker, reader.clients, reader.settings)
            except (OSError, httpx.HTTPError, SQLAlchemyError) as exc:
                # An upstream or a database away, or another replica read the same page
                # first: the checkpoint did not move, the next round reads it again.
                logger.warning("references of %s: %s", reader.service, exc)
            except (ValueError, KeyError, TypeError) as exc:
                # A feed page that is not what the contract says (not JSON, a field
                # missing): logged with its trace, and the loop goes on, so one bad answer
                # does not stop the reading of every later one.
                logger.exception("references of %s: unreadable feed page: %s", reader.service, exc)
        await asyncio.sleep(interval)


def create_app(settings: WorkerSettings | None = None) -> FastAPI:
    """App factory: `uvicorn --factory services.worker:create_app`."""
    settings = settings or WorkerSettings()
    configure_logging(settings.mirps.log_level)
    policy = DeliveryPolicy(timeout=settings.delivery_timeout_seconds, batch=settings.batch_size)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engines: dict[str, AsyncEngine] = {}
        async with httpx.AsyncClient(follow_redirects=False) as client:
            dispatchers = []
            for service in SERVICES:
                service_settings, hooks = _service(service)
                engine = make_engine(service_settings.database_url, service_settings)
                engines[service] = engine
                dispatchers.append(
                    Dispatcher(
                        hooks,
                        make_sessionmaker(engine),
                        client,
                        allow_private=settings.mirps.allows_private_webhook_targets,
                        policy=policy,
                    )
                )
            app.state.engines = engines
            task = asyncio.create_task(_loop(dispatchers, settings.poll_interval_seconds))
            app.state.loop = task
            readers = [_reader(service, engines[service]) for service in REFERENCING_SERVICES]
            tasks = [task]
            if settings.references_interval_seconds > 0:
                tasks.append(
                    asyncio.create_task(
                        _references_loop(readers, settings.references_interval_seconds)
                    )
                )
            try:
                yield
            finally:
                for running in tasks:
                    running.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await running
                for reader in readers:
                    for feed_client in reader.clients.values():
                        await feed_client.aclose()
                for engine in engines.values():
                    await engine.dispose()

    app = FastAPI(title="MIRPS webhook worker", lifespan=lifespan)
    install_error_handlers(app)

    @app.get("/healthz", response_model=HealthStatus)
    async def healthz(request: Request) -> HealthStatus | JSONResponse:
        """The delivery loop is running (503 once it has stopped, so it gets restarted)."""
        if request.app.state.loop.done():
            return JSONResponse({"status": "stopped"}, status_code=503)
        return HealthStatus(status="ok")

    @app.get("/readyz", response_model=HealthStatus)
    async def readyz(request: Request) -> HealthStatus | JSONResponse:
        """Every service database the worker delivers from answers; 503 naming one that does not."""
        for service, engine in request.app.state.engines.items():
            try:
                async with asyncio.timeout(3), engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
            except (TimeoutError, OSError, SQLAlchemyError):
                return database_unavailable(
                    request, f"the worker cannot reach the {service} database"
                )
        return HealthStatus(status="ready")

    return app
