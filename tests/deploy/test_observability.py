"""Metrics, tracing, CORS and the body size limit, wired into every service and the gateway."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry
from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from pydantic import BaseModel
from sqlalchemy import text

from gateway.app import create_app as create_gateway
from gateway.config import GatewaySettings
from services.common.app import ServiceInfo, build_service_app
from services.common.db import SessionDep
from services.common.observability import process_tracer_provider
from services.common.settings import CommonSettings
from services.pledges.config import Settings as PledgesSettings
from tests.conftest import TEST_COMMON_SETTINGS

RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]
INFO = ServiceInfo(name="probe", title="MIRPS probe", description="A service for these tests.")
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$")


class Thing(BaseModel):
    name: str


def probe_router() -> APIRouter:
    router = APIRouter(prefix="/v1")

    @router.get("/things/{thing_id}")
    async def read_thing(thing_id: str) -> dict[str, str]:
        """Echo the id."""
        return {"id": thing_id}

    @router.post("/things")
    async def create_thing(thing: Thing) -> Thing:
        """Echo the body."""
        return thing

    @router.get("/pool")
    async def pool_while_holding_a_connection(
        request: Request, session: SessionDep
    ) -> dict[str, float | None]:
        """The pool gauge as a scrape would see it while this request holds a connection."""
        await session.execute(text("SELECT 1"))
        registry: CollectorRegistry = request.app.state.metrics.registry
        return {"in_use": registry.get_sample_value("mirps_db_pool_connections_in_use")}

    return router


def probe_app(database_url: str, common: CommonSettings = TEST_COMMON_SETTINGS) -> FastAPI:
    settings = PledgesSettings(database_url=database_url, mirps=common)
    return build_service_app(INFO, settings, [probe_router()])


async def scrape(client: httpx.AsyncClient) -> CollectorRegistry:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return parse_exposition(response.text)


def parse_exposition(exposition: str) -> CollectorRegistry:
    """A registry answering get_sample_value() from a scraped text exposition."""
    from prometheus_client.parser import text_string_to_metric_families

    families = list(text_string_to_metric_families(exposition))

    class Scraped(Collector):
        def collect(self) -> Iterable[Metric]:
            return families

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Scraped())
    return registry


async def test_requests_are_counted_and_timed_by_route_template_and_status(
    database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    client = await run_app(probe_app(await database_url_for("pledges")))
    for thing_id in ("a1", "b2", "c3"):
        assert (await client.get(f"/v1/things/{thing_id}")).status_code == 200
    assert (await client.get("/v1/no-such-route/42")).status_code == 404
    assert (await client.post("/v1/things", json={"wrong": 1})).status_code == 422

    metrics = await scrape(client)
    template = {"method": "GET", "route": "/v1/things/{thing_id}", "status": "200"}
    assert metrics.get_sample_value("mirps_http_requests_total", template) == 3
    assert metrics.get_sample_value("mirps_http_request_duration_seconds_count", template) == 3
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert metrics.get_sample_value("mirps_http_requests_total", unmatched) == 1
    invalid = {"method": "POST", "route": "/v1/things", "status": "422"}
    assert metrics.get_sample_value("mirps_http_requests_total", invalid) == 1
    exposition = (await client.get("/metrics")).text
    assert "/v1/things/a1" not in exposition  # raw paths never become labels
    assert "no-such-route" not in exposition
    assert "python_info" in exposition


async def test_pool_gauge_shows_connections_in_use(
    backend: str, database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    client = await run_app(probe_app(await database_url_for("pledges")))
    during = (await client.get("/v1/pool")).json()
    assert during["in_use"] == 1
    after = await scrape(client)
    assert after.get_sample_value("mirps_db_pool_connections_in_use") == 0
    if backend == "postgresql":  # sized by PLEDGES_DB_POOL_SIZE + PLEDGES_DB_MAX_OVERFLOW
        assert after.get_sample_value("mirps_db_pool_connections_max") == 20


async def test_metrics_endpoint_is_not_in_the_api_document(run_app: RunApp) -> None:
    client = await run_app(probe_app("sqlite+aiosqlite:///:memory:"))
    assert "/metrics" not in (await client.get("/openapi.json")).json()["paths"]


async def test_oversized_body_is_refused_with_413_problem(run_app: RunApp) -> None:
    common = CommonSettings(environment="test", max_body_bytes=1024)
    client = await run_app(probe_app("sqlite+aiosqlite:///:memory:", common))
    small = await client.post("/v1/things", json={"name": "x" * 500})
    assert small.status_code == 200

    declared = await client.post("/v1/things", json={"name": "x" * 2000})
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    assert declared.json()["status"] == 413
    assert declared.json()["request_id"] == declared.headers["x-request-id"]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"name": "'
        for _ in range(4):
            yield b"x" * 400
        yield b'"}'

    streamed = await client.post(
        "/v1/things", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert streamed.headers["content-type"] == "application/problem+json"


async def test_gateway_refuses_oversized_body(run_app: RunApp) -> None:
    settings = GatewaySettings(mirps=CommonSettings(environment="test", max_body_bytes=2048))
    client = await run_app(create_gateway(settings))
    response = await client.post("/graphql", json={"query": "{ __typename }", "pad": "x" * 4096})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_cors_is_off_unless_origins_are_configured(run_app: RunApp) -> None:
    preflight = {
        "Origin": "https://frontend.example.org",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    closed = await run_app(probe_app("sqlite+aiosqlite:///:memory:"))
    answer = await closed.options("/v1/things", headers=preflight)
    assert "access-control-allow-origin" not in answer.headers
    plain = await closed.get("/v1/things/1", headers={"Origin": "https://frontend.example.org"})
    assert "access-control-allow-origin" not in plain.headers

    common = CommonSettings(environment="test", cors_origins=["https://frontend.example.org"])
    opened = await run_app(probe_app("sqlite+aiosqlite:///:memory:", common))
    allowed = await opened.options("/v1/things", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://frontend.example.org"
    other = await opened.options("/v1/things", headers={**preflight, "Origin": "https://evil.test"})
    assert "access-control-allow-origin" not in other.headers


def upstream_transport(service: str) -> httpx.AsyncBaseTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if service == "practices":
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path == "/broken":
            return httpx.Response(503)
        return httpx.Response(200, json={"ok": True})

    return httpx.MockTransport(answer)


async def test_gateway_measures_latency_and_errors_of_each_upstream(run_app: RunApp) -> None:
    transports = {name: upstream_transport(name) for name in ("pledges", "practices", "events")}
    app = create_gateway(GatewaySettings(mirps=TEST_COMMON_SETTINGS), transports)
    client = await run_app(app)
    clients = app.state.clients
    await clients["pledges"].get("/v1/pledges")
    await clients["pledges"].get("/v1/pledges")
    await clients["pledges"].get("/broken")
    with pytest.raises(httpx.ConnectError):
        await clients["practices"].get("/v1/practices")

    metrics = await scrape(client)
    ok = {"service": "pledges", "method": "GET", "status": "200"}
    assert metrics.get_sample_value("mirps_upstream_request_duration_seconds_count", ok) == 2
    failed = {"service": "practices", "method": "GET", "status": "error"}
    assert metrics.get_sample_value("mirps_upstream_request_duration_seconds_count", failed) == 1
    errors = "mirps_upstream_errors_total"
    assert metrics.get_sample_value(errors, {"service": "practices", "reason": "ConnectError"}) == 1
    assert metrics.get_sample_value(errors, {"service": "pledges", "reason": "status_5xx"}) == 1
    assert metrics.get_sample_value(errors, {"service": "events", "reason": "status_5xx"}) is None


@pytest.fixture
def finished_spans(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    """Spans of tracing-enabled apps in this process, kept in memory (no exporter traffic)."""
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    exporter = InMemorySpanExporter()
    process_tracer_provider("tests").add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


async def test_gateway_propagates_w3c_trace_context_to_services(
    finished_spans: InMemorySpanExporter, run_app: RunApp
) -> None:
    seen: list[httpx.Request] = []

    def service(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "ready"})

    settings = GatewaySettings(mirps=CommonSettings(environment="test", otel_enabled=True))
    app = create_gateway(settings, {"pledges": httpx.MockTransport(service)})

    @app.get("/probe")
    async def probe(request: Request) -> dict[str, int]:
        """Call one upstream service, the way resolvers do."""
        response = await request.app.state.clients["pledges"].get("/readyz")
        return {"status": response.status_code}

    client = await run_app(app)
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    caller = f"00-{trace_id}-00f067aa0ba902b7-01"
    assert (await client.get("/probe", headers={"traceparent": caller})).status_code == 200

    forwarded = TRACEPARENT.match(seen[0].headers["traceparent"])
    assert forwarded is not None
    assert forwarded.group(1) == trace_id  # same trace, continued by the gateway
    assert forwarded.group(2) != "00f067aa0ba902b7"  # under the gateway's own span
    assert any(
        span.context.trace_id == int(trace_id, 16) for span in finished_spans.get_finished_spans()
    )


async def test_service_traces_requests_and_sql_when_enabled(
    finished_spans: InMemorySpanExporter,
    database_url_for: Callable[[str], Awaitable[str]],
    run_app: RunApp,
) -> None:
    common = CommonSettings(environment="test", otel_enabled=True)
    client = await run_app(probe_app(await database_url_for("pledges"), common))
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    response = await client.get(
        "/v1/pool", headers={"traceparent": f"00-{trace_id}-b7ad6b7169203331-01"}
    )
    assert response.status_code == 200

    spans = [
        s for s in finished_spans.get_finished_spans() if s.context.trace_id == int(trace_id, 16)
    ]
    assert any(span.name == "GET /v1/pool" for span in spans)
    statements = [
        span.attributes.get("db.statement") or span.attributes.get("db.query.text")
        for span in spans
        if span.attributes
    ]
    assert "SELECT 1" in statements
