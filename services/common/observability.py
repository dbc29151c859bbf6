"""Prometheus metrics at /metrics and OpenTelemetry tracing, for every service and the gateway.

Metrics live in one registry per app (`app.state.metrics`), so several apps in one process
(the tests) never share or clash. What is measured:

- `mirps_http_requests_total` and `mirps_http_request_duration_seconds`, labelled by method,
  route template (`/v1/pledges/{pledge_id}`, never the raw path, so ids cannot explode the
  label set; `unmatched` when no route matched) and status;
- `mirps_db_pool_connections_in_use` / `_idle` / `_max` of the service's PostgreSQL pool;
- in the gateway, `mirps_upstream_request_duration_seconds` and `mirps_upstream_errors_total`
  by upstream service;
- the process collectors of prometheus-client (CPU, memory, open files, GC).

Tracing is off unless `MIRPS_OTEL_ENABLED=true`. Then FastAPI, httpx and SQLAlchemy are
instrumented, the W3C `traceparent` header is read on the way in and written on every call
to an upstream service, and spans go to the exporter chosen by the standard variables
(`OTEL_TRACES_EXPORTER`: otlp (default, OTLP over HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT`),
console or none; `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`,
`OTEL_BSP_*` as the OpenTelemetry specification defines them).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from opentelemetry import metrics as otel_metrics
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.settings import CommonSettings

UNMATCHED_ROUTE = "unmatched"
TRACING_EXCLUDED_URLS = "/healthz$,/readyz$,/metrics$"
logger = logging.getLogger("mirps.observability")


@dataclass(frozen=True)
class Metrics:
    """The Prometheus registry of one app and the instruments recorded into it."""

    registry: CollectorRegistry
    requests: Counter
    request_duration: Histogram
    upstream_duration: Histogram
    upstream_errors: Counter


def _new_metrics() -> Metrics:
    registry = CollectorRegistry(auto_describe=True)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    http_labels = ("method", "route", "status")
    upstream_labels = ("service", "method", "status")
    return Metrics(
        registry=registry,
        requests=Counter(
            "mirps_http_requests",
            "HTTP requests served, by method, route template and status.",
            http_labels,
            registry=registry,
        ),
        request_duration=Histogram(
            "mirps_http_request_duration_seconds",
            "Time to serve an HTTP request, by method, route template and status.",
            http_labels,
            registry=registry,
        ),
        upstream_duration=Histogram(
            "mirps_upstream_request_duration_seconds",
            "Gateway calls to a service until its response headers arrive; status 'error' "
            "when no response came.",
            upstream_labels,
            registry=registry,
        ),
        upstream_errors=Counter(
            "mirps_upstream_errors",
            "Gateway calls to a service that failed: no response (reason is the exception "
            "class, e.g. ConnectError, ReadTimeout) or a 5xx status (reason 'status_5xx').",
            ("service", "reason"),
            registry=registry,
        ),
    )


def route_template(scope: Scope) -> str:
    """The matched route's path template, or `unmatched` (404s, CORS preflights)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) and template else UNMATCHED_ROUTE


class HttpMetricsMiddleware:
    """Counts and times every HTTP request by route template and final status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_recording_status)
        finally:
            labels = (scope["method"], route_template(scope), str(status))
            self.metrics.requests.labels(*labels).inc()
            self.metrics.request_duration.labels(*labels).observe(time.perf_counter() - started)


class DatabasePoolCollector(Collector):
    """Connections of the app's SQLAlchemy pool, read at scrape time."""

    def __init__(self, engine_of: Callable[[], AsyncEngine | None]) -> None:
        self._engine_of = engine_of

    def collect(self) -> Iterable[Metric]:
        engine = self._engine_of()
        pool = engine.pool if engine is not None else None
        if not isinstance(pool, QueuePool):  # SQLite's in-memory or NullPool: nothing to size
            return
        in_use = GaugeMetricFamily(
            "mirps_db_pool_connections_in_use", "Database connections checked out right now."
        )
        in_use.add_metric([], pool.checkedout())
        idle = GaugeMetricFamily(
            "mirps_db_pool_connections_idle", "Open database connections waiting in the pool."
        )
        idle.add_metric([], pool.checkedin())
        ceiling = GaugeMetricFamily(
            "mirps_db_pool_connections_max",
            "Most connections the pool will open (pool size plus overflow).",
        )
        ceiling.add_metric([], pool.size() + max(pool._max_overflow, 0))
        yield from (in_use, idle, ceiling)


def instrument_app(app: FastAPI, service_name: str, settings: CommonSettings) -> Metrics:
    """Metrics middleware (add it last: it must see the final status), `/metrics`, tracing."""
    metrics = _new_metrics()
    app.state.metrics = metrics
    metrics.registry.register(DatabasePoolCollector(lambda: getattr(app.state, "engine", None)))
    app.add_middleware(HttpMetricsMiddleware, metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        """Prometheus text exposition of this process's metrics."""
        registry: CollectorRegistry = request.app.state.metrics.registry
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    if settings.otel_enabled:
        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=process_tracer_provider(service_name),
            excluded_urls=os.environ.get(
                "OTEL_PYTHON_FASTAPI_EXCLUDED_URLS", TRACING_EXCLUDED_URLS
            ),
        )
    return metrics


def trace_engine(engine: AsyncEngine, service_name: str, settings: CommonSettings) -> None:
    """SQLAlchemy spans for every statement on `engine`, when tracing is on."""
    if not settings.otel_enabled:
        return
    tracer = trace.get_tracer(
        "opentelemetry.instrumentation.sqlalchemy",
        tracer_provider=process_tracer_provider(service_name),
    )
    connections = otel_metrics.NoOpMeter("mirps").create_up_down_counter("db.client.connections")
    EngineTracer(tracer, engine.sync_engine, connections)  # type: ignore[no-untyped-call]


class UpstreamMetricsTransport(httpx.AsyncBaseTransport):
    """Wraps a client's transport to time each call and count the failed ones."""

    def __init__(self, inner: httpx.AsyncBaseTransport, service: str, metrics: Metrics) -> None:
        self.inner = inner
        self.service = service
        self.metrics = metrics

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self.inner.handle_async_request(request)
        except Exception as exc:
            self._record(request.method, "error", started)
            self.metrics.upstream_errors.labels(self.service, type(exc).__name__).inc()
            raise
        self._record(request.method, str(response.status_code), started)
        if response.status_code >= 500:
            self.metrics.upstream_errors.labels(self.service, "status_5xx").inc()
        return response

    def _record(self, method: str, status: str, started: float) -> None:
        self.metrics.upstream_duration.labels(self.service, method, status).observe(
            time.perf_counter() - started
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def instrument_upstreams(
    app: FastAPI, clients: Mapping[str, httpx.AsyncClient], settings: CommonSettings
) -> None:
    """Measure the gateway's calls to each service and, when tracing, propagate the trace.

    httpx has no public hook that sees failed requests, so the client's transport is
    wrapped, as opentelemetry-instrumentation-httpx itself does.
    """
    metrics: Metrics = app.state.metrics
    for service, client in clients.items():
        client._transport = UpstreamMetricsTransport(client._transport, service, metrics)
        if settings.otel_enabled:
            HTTPXClientInstrumentor.instrument_client(
                client, tracer_provider=process_tracer_provider("gateway")
            )


_provider_lock = threading.Lock()
_providers: list[TracerProvider] = []


def process_tracer_provider(service_name: str) -> TracerProvider:
    """The process's one TracerProvider, made on first use and installed as the global one."""
    with _provider_lock:
        if not _providers:
            attributes: dict[str, Any] = {}
            if not os.environ.get("OTEL_SERVICE_NAME"):
                attributes[SERVICE_NAME] = f"mirps-{service_name}"
            provider = TracerProvider(resource=Resource.create(attributes))
            exporter = span_exporter_from_environment()
            if exporter is not None:
                provider.add_span_processor(BatchSpanProcessor(exporter))
            trace.set_tracer_provider(provider)
            _providers.append(provider)
        return _providers[0]


def span_exporter_from_environment() -> SpanExporter | None:
    """The exporter named by OTEL_TRACES_EXPORTER: otlp (default), console or none."""
    choice = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if choice == "none":
        return None
    if choice == "console":
        return ConsoleSpanExporter()
    if choice != "otlp":
        raise ValueError(
            f"OTEL_TRACES_EXPORTER={choice!r} is not supported: use otlp, console, none"
        )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()
