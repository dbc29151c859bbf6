"""The GraphQL gateway app: strawberry on FastAPI at /graphql."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
import orjson
from fastapi import FastAPI, Request
from strawberry.fastapi import GraphQLRouter

from gateway.clients import ServiceClients
from gateway.config import GatewaySettings
from gateway.context import Context
from gateway.schema import build_schema
from services.common.auth import TokenVerifier
from services.common.context import current_request_id
from services.common.errors import install_error_handlers
from services.common.health import HealthStatus
from services.common.logging import RequestContextMiddleware, configure_logging
from services.common.observability import instrument_app, instrument_upstreams
from services.common.ratelimit import close_rate_limiter, install_rate_limit
from services.common.safeguards import install_body_limit, install_cors, install_edge_limits


class JSONRouter(GraphQLRouter[Context, None]):
    """strawberry's router, answering with orjson (a 50-pledge answer is ~1,500 values)."""

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def create_app(
    settings: GatewaySettings | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """App factory: `uvicorn --factory gateway.app:create_app`.

    `transports` lets tests route a service's calls to an in-process app.
    """
    settings = settings or GatewaySettings()
    configure_logging(settings.mirps.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.clients = ServiceClients(settings, transports)
        instrument_upstreams(
            app,
            {name: app.state.clients[name] for name in app.state.clients.names()},
            settings.mirps,
        )
        try:
            yield
        finally:
            await app.state.clients.aclose()
            await close_rate_limiter(app)

    async def context_getter(request: Request) -> Context:
        return Context(
            clients=request.app.state.clients,
            authorization=request.headers.get("authorization"),
            request_id=current_request_id(),
            max_page_size=settings.max_page_size,
            max_upstream_calls=settings.max_upstream_calls,
            client_address=request.client.host if request.client else None,
        )

    app = FastAPI(
        title="MIRPS Support Platform GraphQL gateway",
        description="One graph over the pledges, practices and events services.",
        version="1.0.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    graphql = JSONRouter(
        build_schema(settings),
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
    )
    app.include_router(graphql, prefix="/graphql")

    @app.get("/healthz", response_model=HealthStatus, tags=["health"])
    async def healthz() -> HealthStatus:
        """The gateway process is up."""
        return HealthStatus(status="ok")

    @app.get("/readyz", response_model=HealthStatus, tags=["health"])
    async def readyz() -> HealthStatus:
        """The gateway can serve; services that are down only null their own fields."""
        return HealthStatus(status="ready")

    install_body_limit(app, settings.mirps)
    install_rate_limit(app, settings.mirps, "gateway", TokenVerifier(settings.mirps))
    install_edge_limits(app, settings.mirps)
    app.add_middleware(RequestContextMiddleware)
    install_cors(app, settings.mirps)
    instrument_app(app, "gateway", settings.mirps)  # last: outermost, sees every final status
    return app
