"""The GraphQL gateway app: strawberry on FastAPI at /graphql."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
from cross_web import HTTPException
from fastapi import FastAPI, Request, Response
from strawberry import UNSET
from strawberry.fastapi import GraphQLRouter

from gateway.caching import PersistedQueries, ResponseCache, UpstreamValidators
from gateway.clients import ServiceClients
from gateway.config import GatewaySettings
from gateway.context import Context
from gateway.graphiql import mount_assets, self_hosted
from gateway.schema import build_schema
from services.common.auth import TokenVerifier
from services.common.context import current_request_id
from services.common.errors import install_error_handlers
from services.common.health import HealthStatus
from services.common.logging import RequestContextMiddleware, configure_logging
from services.common.observability import instrument_app, instrument_upstreams
from services.common.ratelimit import close_rate_limiter, install_rate_limit
from services.common.safeguards import install_body_limit, install_cors, install_edge_limits

CACHE_HIT = {"X-Cache": "hit"}


class JSONRouter(GraphQLRouter[Context, None]):
    """strawberry's router, reading and answering with orjson (a 50-pledge answer is ~1,500
    values). A body that is not a GraphQL request (not JSON, not UTF-8, nested past 1,024
    levels, not an object) is a 400 with a GraphQL-style error, never a 500."""

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    @property
    def graphql_ide_html(self) -> str:
        """GraphiQL, loading React and GraphiQL from the gateway rather than a CDN."""
        return self_hosted(super().graphql_ide_html)

    def __init__(self, *args: Any, settings: GatewaySettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings
        self.persisted = PersistedQueries(settings.persisted_queries)
        self.answers = ResponseCache(
            settings.response_cache_seconds, settings.response_cache_entries
        )

    def parse_json(self, data: str | bytes) -> Any:
        """The request body: one operation (a JSON object), or a batch when batching is on."""
        parsed = _decode(data)
        batch = parsed if isinstance(parsed, list) and self.settings.max_batch_operations else None
        for operation in batch if batch is not None else [parsed]:
            if not isinstance(operation, dict):
                raise HTTPException(
                    400,
                    "the body must be a JSON object with `query` and, optionally, `variables`",
                )
            check_sizes(operation, self.settings)
            self.persisted.resolve(operation)
        return parsed

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        """A GET request: `variables` and `extensions` are JSON in the query string."""
        parsed = dict(params)
        for key in ("variables", "extensions"):
            if parsed.get(key):
                parsed[key] = _decode(parsed[key])
        check_sizes(parsed, self.settings)
        self.persisted.resolve(parsed)
        return parsed

    async def run(  # type: ignore[override]
        self, request: Request, context: Any = UNSET, root_value: Any = UNSET
    ) -> Any:
        try:
            key = await self._cache_key(request)
            cached = None if key is None else self.answers.get(key)
            if cached is not None:
                response = Response(cached, media_type="application/json", headers=CACHE_HIT)
            else:
                response = await super().run(request, context=context, root_value=root_value)
                if key is not None and isinstance(response, Response):
                    self.answers.keep(key, response.status_code, bytes(response.body))
        except HTTPException as exc:  # strawberry would answer in plain text
            response = bad_graphql_request(exc)
        if wants_graphql_response(request) and isinstance(response, Response):
            return as_graphql_response(response)
        return response

    def should_render_graphql_ide(self, request: Any) -> bool:
        """GraphiQL for a browser's plain GET, not for a persisted query sent by its hash."""
        return "extensions" not in request.query_params and super().should_render_graphql_ide(
            request
        )

    async def _cache_key(self, request: Request) -> bytes | None:
        """The response cache's key for an anonymous query (None: not cacheable)."""
        if not self.answers.enabled or "authorization" in request.headers:
            return None
        if request.method == "GET":
            operation = self.parse_query_params(request.query_params)
        elif request.method == "POST" and request.headers.get("content-type", "").startswith(
            "application/json"
        ):
            operation = self.parse_json(await request.body())
        else:
            return None
        return self.answers.key(operation, request.headers)


GRAPHQL_RESPONSE = "application/graphql-response+json"


def wants_graphql_response(request: Request) -> bool:
    """The client accepts the GraphQL-over-HTTP media type (it then prefers it to JSON)."""
    accept = request.headers.get("accept", "")
    return any(part.split(";")[0].strip().lower() == GRAPHQL_RESPONSE for part in accept.split(","))


def as_graphql_response(response: Response) -> Response:
    """A JSON answer in `application/graphql-response+json`. A request error (syntax,
    validation, a variable that does not coerce: `data` null and no error with a `path`)
    loses its `data` entry and is a 400, as GraphQL over HTTP asks of that media type."""
    if not response.headers.get("content-type", "").startswith("application/json"):
        return response  # GraphiQL's page
    body, status = bytes(response.body), response.status_code
    parsed = _json_or_none(body)
    if isinstance(parsed, dict) and _is_request_error(parsed):
        parsed.pop("data", None)
        body, status = orjson.dumps(parsed), 400 if status == 200 else status
    headers = {
        name: value
        for name, value in response.headers.items()
        if name.lower() not in {"content-length", "content-type"}
    }
    return Response(body, status_code=status, headers=headers, media_type=GRAPHQL_RESPONSE)


def _json_or_none(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def _is_request_error(parsed: dict[str, Any]) -> bool:
    errors = parsed.get("errors")
    if parsed.get("data") is not None or not isinstance(errors, list) or not errors:
        return False
    return all(isinstance(error, dict) and "path" not in error for error in errors)


def _decode(data: str | bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise HTTPException(
            400, f"the body is not JSON (UTF-8, at most 1,024 levels deep): {exc}"
        ) from exc


class TooLarge(HTTPException):
    """A query or variable past the gateway's size limits (refused before any parsing)."""

    code = "BAD_USER_INPUT"


def check_sizes(request: Mapping[str, Any], settings: GatewaySettings) -> None:
    """Refuse a query document or a string variable longer than the settings allow.

    A megabyte string would otherwise travel to a service (in a URL it is not even a valid
    request there); no field of any service takes text that long.
    """
    query = request.get("query")
    if isinstance(query, str) and len(query) > settings.max_query_length:
        raise TooLarge(400, f"the query is longer than {settings.max_query_length} characters")
    variables = request.get("variables")
    if isinstance(variables, dict):
        for name, value in variables.items():
            longest = _longest_string(value)
            if longest > settings.max_string_length:
                raise TooLarge(
                    400,
                    f"variable `${name}` holds a string of {longest} characters; at most "
                    f"{settings.max_string_length}",
                )


def _longest_string(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return max((_longest_string(item) for item in value), default=0)
    return 0


def bad_graphql_request(exc: HTTPException) -> Response:
    """A request the GraphQL layer cannot even parse, answered the way GraphQL clients read."""
    code = getattr(exc, "code", "BAD_REQUEST")
    body = {"errors": [{"message": exc.reason, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status_code=exc.status_code, media_type="application/json")


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

    # Anonymous service reads are asked again conditionally (ETag) when answers are cached.
    validators = UpstreamValidators() if settings.response_cache_seconds > 0 else None

    async def context_getter(request: Request) -> Context:
        return Context(
            clients=request.app.state.clients,
            authorization=request.headers.get("authorization"),
            request_id=current_request_id(),
            max_page_size=settings.max_page_size,
            max_upstream_calls=settings.max_upstream_calls,
            client_address=request.client.host if request.client else None,
            validators=validators,
        )

    app = FastAPI(
        title="MIRPS Support Platform GraphQL gateway",
        description="One graph over the pledges, practices and events services.",
        version="1.0.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.upstream_validators = validators
    install_error_handlers(app)
    graphql = JSONRouter(
        build_schema(settings),
        settings=settings,
        context_getter=context_getter,
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
    )
    app.include_router(graphql, prefix="/graphql")
    if settings.graphiql_enabled:
        mount_assets(app)

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
