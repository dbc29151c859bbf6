"""HTTP validators for every read and every create, in one place.

- A read (GET) answered 200 carries an `ETag`: the route's own (the object's version) or,
  for lists, reports and feeds, a hash of the body. A matching `If-None-Match` turns it
  into a 304 with no body, so a poller (a calendar client, a dashboard) downloads only
  what changed.
- A create (POST answered 201) carries `Location` (the collection path plus the new id,
  unless the route set it) and an `ETag` (its version, else a hash of the body).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime

from fastapi import FastAPI, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.etag import etag_for

# Seconds a calendar client or cache may reuse a feed before asking again (then cheaply,
# with If-None-Match).
FEED_MAX_AGE_SECONDS = 300


def body_etag(body: bytes) -> str:
    return '"h-' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison: `W/` is ignored, `*` matches any current representation."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


def set_feed_headers(response: Response, changed: Iterable[datetime]) -> None:
    """Cache-Control and Last-Modified (the latest change) on a feed or a download."""
    response.headers["Cache-Control"] = f"public, max-age={FEED_MAX_AGE_SECONDS}, must-revalidate"
    latest = max(changed, default=None)
    if latest is not None:
        utc = latest.astimezone(UTC) if latest.tzinfo else latest.replace(tzinfo=UTC)
        response.headers["Last-Modified"] = format_datetime(utc, usegmt=True)


class ConditionalMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def buffering_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start.get("status") not in (200, 201):
                if start:
                    await send(start)
                    start = {}
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._finish(scope, start, b"".join(chunks), send)

        await self.app(scope, receive, buffering_send)

    async def _finish(self, scope: Scope, start: Message, body: bytes, send: Send) -> None:
        headers = MutableHeaders(scope=start)
        if start["status"] == 201 and scope["method"] == "POST":
            _describe_created(scope, headers, body)
        elif start["status"] == 200 and scope["method"] == "GET":
            if "etag" not in headers:
                headers["ETag"] = body_etag(body)
            if_none_match = Headers(scope=scope).get("if-none-match")
            if if_none_match and matches(if_none_match, headers["etag"]):
                await _not_modified(start, headers, send)
                return
        headers["Content-Length"] = str(len(body))
        await send(start)
        await send({"type": "http.response.body", "body": body})


def _describe_created(scope: Scope, headers: MutableHeaders, body: bytes) -> None:
    created = _json_object(body) if headers.get("content-type", "").endswith("json") else {}
    if "location" not in headers and "id" in created:
        headers["Location"] = f"{scope['path'].rstrip('/')}/{created['id']}"
    if "etag" not in headers:
        version = created.get("version")
        headers["ETag"] = etag_for(version) if isinstance(version, int) else body_etag(body)


def _json_object(body: bytes) -> dict[str, object]:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


async def _not_modified(start: Message, headers: MutableHeaders, send: Send) -> None:
    """304: the validators and caching headers only, no body (RFC 9110 §15.4.5)."""
    kept = {"etag", "cache-control", "last-modified", "vary", "content-location", "expires"}
    kept |= {"x-request-id"}
    raw = [(name, value) for name, value in headers.raw if name.decode().lower() in kept]
    await send({"type": "http.response.start", "status": 304, "headers": raw})
    await send({"type": "http.response.body", "body": b""})


def install_conditional_requests(app: FastAPI) -> None:
    """Add before the request-context middleware, so a 304 still carries the request id."""
    app.add_middleware(ConditionalMiddleware)
