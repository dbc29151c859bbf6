"""The one place that wires a service app: lifespan, engine, errors, auth, logging, health."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi_offline import FastAPIOffline

from services.common.auth import TokenVerifier
from services.common.conditional import install_conditional_requests
from services.common.contract import (
    install_contract,
    operation_id,
    refuse_unknown_query_parameters,
)
from services.common.db import make_engine, make_sessionmaker
from services.common.errors import (
    install_database_error_handlers,
    install_error_handlers,
    problem_responses,
)
from services.common.health import router as health_router
from services.common.logging import RequestContextMiddleware, configure_logging
from services.common.observability import instrument_app, trace_engine
from services.common.ratelimit import close_rate_limiter, install_rate_limit
from services.common.safeguards import install_body_limit, install_cors, install_edge_limits
from services.common.settings import ServiceSettings
from services.common.storage import DocumentSettings, make_storage


@dataclass(frozen=True)
class ServiceInfo:
    """What a service says about itself in its OpenAPI document."""

    name: str
    title: str
    description: str
    version: str = "1.0.0"
    tags: Sequence[dict[str, Any]] = field(default_factory=tuple)


# The tags of the machinery every service mounts (health, change feed, webhooks, documents).
SHARED_TAGS = [
    {"name": "health", "description": "Liveness and readiness."},
    {
        "name": "changes",
        "description": "The change feed: every state change as a CloudEvents 1.0 envelope, "
        "ordered by position and resumable after any position the caller saw.",
    },
    {
        "name": "webhooks",
        "description": "Webhook subscriptions per organisation: signed deliveries (Standard "
        "Webhooks), the delivery log, replay from a position and secret rotation.",
    },
    {
        "name": "documents",
        "description": "Minutes, materials and reports attached to records: uploaded "
        "(content-addressed) or linked; visible as the record they belong to.",
    },
]


def _undeclared(
    tags: list[dict[str, str]], declared: Sequence[dict[str, Any]]
) -> list[dict[str, str]]:
    """The shared tags a service has not declared itself (its own description wins)."""
    names = {tag["name"] for tag in declared}
    return [tag for tag in tags if tag["name"] not in names]


def build_service_app(
    info: ServiceInfo,
    settings: ServiceSettings,
    routers: Sequence[APIRouter] = (),
    running: Callable[[FastAPI], AbstractAsyncContextManager[object]] | None = None,
    own_body_limit: frozenset[str] = frozenset(),
) -> FastAPI:
    """A FastAPI app with the platform's machinery; the service adds its routers.

    `running`, if given, is entered once the engine is up and left before it is disposed:
    where a service keeps its own clients or background tasks. `own_body_limit`: paths
    whose routes enforce their own body limit (the general one does not apply).
    """
    configure_logging(settings.mirps.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url, settings)
        trace_engine(engine, info.name, settings.mirps)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        try:
            async with running(app) if running else nullcontext():
                yield
        finally:
            await engine.dispose()
            await close_rate_limiter(app)

    # Swagger UI at /docs and ReDoc at /redoc load their scripts from the service itself
    # (fastapi-offline's pinned copies, under /static-offline-docs), never from a CDN.
    app = FastAPIOffline(
        title=info.title,
        description=info.description,
        version=info.version,
        lifespan=lifespan,
        responses=problem_responses(503),  # any operation, when the database is unavailable
        openapi_tags=[*info.tags, *_undeclared(SHARED_TAGS, info.tags)],
        generate_unique_id_function=operation_id,
        # One schema per model: `Money` in and out, not `Money-Input` and `Money-Output`.
        separate_input_output_schemas=False,
        dependencies=[Depends(refuse_unknown_query_parameters)],
    )
    app.state.settings = settings
    app.state.service_name = info.name
    if isinstance(settings, DocumentSettings):
        app.state.document_storage = make_storage(settings, info.name)
    app.state.token_verifier = TokenVerifier(settings.mirps)
    install_error_handlers(app)
    install_database_error_handlers(app)
    app.include_router(health_router)
    for router in routers:
        app.include_router(router)
    install_contract(app)
    install_conditional_requests(app)
    install_body_limit(app, settings.mirps, own_body_limit)
    install_rate_limit(app, settings.mirps, info.name, app.state.token_verifier)
    install_edge_limits(app, settings.mirps)
    app.add_middleware(RequestContextMiddleware)
    install_cors(app, settings.mirps)
    instrument_app(app, info.name, settings.mirps)  # last: outermost, sees every final status
    return app
