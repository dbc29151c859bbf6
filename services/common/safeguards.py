"""Safe defaults at the HTTP edge: body and header size limits, load shedding, and CORS only
when configured."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.errors import (
    PROBLEM_MEDIA_TYPE,
    file_problems_under_their_media_type,
    problem_response,
)
from services.common.settings import CommonSettings

HEALTH_PATHS = frozenset({"/healthz", "/readyz"})


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a body passes the limit.

    An HTTPException, so FastAPI's body parsing lets it through to the problem+json handler
    instead of turning it into a 400.
    """

    def __init__(self, max_body_bytes: int) -> None:
        super().__init__(413, detail=_too_large(max_body_bytes))


class BodySizeLimitMiddleware:
    """Refuse request bodies above `max_body_bytes` with a 413 problem+json.

    A declared Content-Length above the limit is refused before the body is read; a
    chunked body is counted as it arrives and refused as soon as it passes the limit.
    """

    def __init__(
        self, app: ASGIApp, max_body_bytes: int, exempt_paths: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.exempt_paths = exempt_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if response_started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(Request(scope), 413, detail=_too_large(self.max_body_bytes))
        await response(scope, receive, send)


def _too_large(max_body_bytes: int) -> str:
    return f"the request body exceeds the limit of {max_body_bytes} bytes"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def install_body_limit(
    app: FastAPI, settings: CommonSettings, exempt_paths: frozenset[str] = frozenset()
) -> None:
    """Add it before the request-context middleware, so the 413 carries the request id.

    `exempt_paths` have their own limit, enforced by their route as it streams the body."""
    app.add_middleware(
        BodySizeLimitMiddleware, max_body_bytes=settings.max_body_bytes, exempt_paths=exempt_paths
    )


class HeaderLimitMiddleware:
    """Refuse requests with too many header fields or too many header bytes: 431 problem+json.

    The server (uvicorn) refuses a header block larger than its own buffer before the app
    sees it; this answers, with a reason, the sizes between the platform's limit and that.
    """

    def __init__(self, app: ASGIApp, max_header_bytes: int, max_header_count: int) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes
        self.max_header_count = max_header_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self._problem(scope.get("headers", []))
            if problem is not None:
                response = problem_response(
                    Request(scope),
                    431,
                    title="Request header fields too large",
                    slug="headers-too-large",
                    detail=problem,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _problem(self, headers: list[tuple[bytes, bytes]]) -> str | None:
        count = len(headers)
        if count > self.max_header_count:
            return f"the request has {count} header fields; the limit is {self.max_header_count}"
        size = sum(len(name) + len(value) for name, value in headers)
        if size > self.max_header_bytes:
            return f"the request headers take {size} bytes; the limit is {self.max_header_bytes}"
        return None


class LoadSheddingMiddleware:
    """Past `max_concurrent` requests in flight, answer 503 with Retry-After at once.

    Queueing without end makes every caller wait and time out; refusing the excess quickly
    keeps the requests already admitted fast and tells clients when to come back. Health
    probes are never shed: a busy process is alive and ready.
    """

    def __init__(self, app: ASGIApp, max_concurrent: int, retry_after_seconds: int) -> None:
        self.app = app
        self.max_concurrent = max_concurrent
        self.retry_after_seconds = retry_after_seconds
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in HEALTH_PATHS:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_concurrent:
            response = problem_response(
                Request(scope),
                503,
                title="Overloaded",
                slug="overloaded",
                detail=f"the server is at its limit of {self.max_concurrent} requests in "
                f"flight; retry in {self.retry_after_seconds} s",
                headers={"Retry-After": str(self.retry_after_seconds)},
            )
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


def install_edge_limits(app: FastAPI, settings: CommonSettings) -> None:
    """Header limits, then load shedding outside them (add before the request-context one)."""
    document_edge_responses(app)
    app.add_middleware(
        HeaderLimitMiddleware,
        max_header_bytes=settings.max_header_bytes,
        max_header_count=settings.max_header_count,
    )
    if settings.max_concurrent_requests > 0:
        app.add_middleware(
            LoadSheddingMiddleware,
            max_concurrent=settings.max_concurrent_requests,
            retry_after_seconds=settings.overload_retry_after_seconds,
        )


def _problem_content(schema: dict[str, Any]) -> dict[str, Any]:
    if "Problem" not in schema.get("components", {}).get("schemas", {}):
        return {PROBLEM_MEDIA_TYPE: {}}
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _edge_responses(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    content = _problem_content(schema)
    retry_after = {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 1},
    }
    return {
        "429": {
            "description": "The caller's rate limit is used up (RateLimit, RateLimit-Policy).",
            "headers": {"Retry-After": retry_after},
            "content": content,
        },
        "431": {"description": "Too many or too large request headers.", "content": content},
        "503": {
            "description": "Overloaded, or a dependency (the database) is unavailable; retry "
            "after Retry-After seconds.",
            "headers": {"Retry-After": retry_after},
            "content": content,
        },
    }


def document_edge_responses(app: FastAPI) -> None:
    """Declare the answers of the edge limits (429, 431, 503) on every operation."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        file_problems_under_their_media_type(schema)
        if "/v1/documents" in schema.get("paths", {}):
            from services.common.documents import add_link_schema

            add_link_schema(schema)
        edge = _edge_responses(schema)
        for path, path_item in schema.get("paths", {}).items():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for status, response in edge.items():
                    if status == "429" and path in HEALTH_PATHS:
                        continue  # probes are never rate-limited
                    responses.setdefault(status, response)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_cors(app: FastAPI, settings: CommonSettings) -> None:
    """CORS for the configured origins only; with none configured there is no CORS at all."""
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-Match",
            "Idempotency-Key",
            "X-Request-ID",
        ],
        expose_headers=["ETag", "Location", "X-Request-ID"],
        max_age=600,
    )


async def read_limited(request: Request, max_bytes: int) -> bytes:
    """The request body, read as a stream and refused (413) once it passes `max_bytes` —
    for routes with their own limit (see `install_body_limit`)."""
    declared = _content_length(request.scope)
    if declared is not None and declared > max_bytes:
        raise BodyTooLarge(max_bytes)
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > max_bytes:
            raise BodyTooLarge(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)
