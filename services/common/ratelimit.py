"""Rate limits per caller, for every service and the gateway, with the IETF RateLimit headers.

A caller is the verified token's subject, or the client's IP address when the request
carries no valid token. Each process kind (pledges, practices, events, gateway) counts
separately. Counting is the `limits` library's fixed window: in memory by default, in
Redis when `MIRPS_REDIS_URL` is set, so that replicas share one counter per caller.

Every answer carries `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-
headers); past the limit the answer is a 429 problem+json with `Retry-After`. If Redis
is unreachable the request is let through and the failure logged: a broken counter store
must not take the platform down with it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.auth import TokenVerifier
from services.common.errors import DomainError, problem_response
from services.common.settings import CommonSettings

logger = logging.getLogger("mirps.ratelimit")
REDIS_TIMEOUT_SECONDS = 0.5
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
Identify = Callable[[Scope], Awaitable[str]]


@dataclass(frozen=True)
class Quota:
    """Where one caller stands against one policy."""

    name: str
    limit: int
    window_seconds: int
    remaining: int
    reset_seconds: int


def make_storage(redis_url: str | None) -> tuple[Storage, ConnectionPool | None]:
    """Redis (shared by replicas) when a URL is set, else this process's memory.

    Redis gets short socket timeouts: a stalled Redis delays a request by at most that
    before the request is let through uncounted.
    """
    if not redis_url:
        return MemoryStorage(), None
    pool = ConnectionPool.from_url(
        redis_url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    options: dict[str, Any] = {"connection_pool": pool}  # limits hands it on to redis-py
    storage = RedisStorage(
        f"async+{redis_url}", wrap_exceptions=True, implementation="redispy", **options
    )
    return storage, pool


def policy_name(item: RateLimitItem) -> str:
    return f"{item.amount}-per-{item.get_expiry()}s"


class RateLimiter:
    """The policies of one process kind, counted per caller."""

    def __init__(self, spec: str, namespace: str, redis_url: str | None) -> None:
        self.items = parse_many(spec) if spec.strip() else []
        self.namespace = namespace
        storage, self._pool = make_storage(redis_url)
        self._strategy = FixedWindowRateLimiter(storage)

    async def aclose(self) -> None:
        """Close the Redis connections (at the app's shutdown)."""
        if self._pool is not None:
            await self._pool.disconnect()

    @property
    def enabled(self) -> bool:
        return bool(self.items)

    def policy_header(self) -> str:
        return ", ".join(
            f'"{policy_name(item)}";q={item.amount};w={item.get_expiry()}' for item in self.items
        )

    async def hit(self, caller: str) -> tuple[bool, list[Quota]]:
        """Count one request; (allowed, each policy's standing afterwards)."""
        allowed = True
        quotas = []
        for item in self.items:
            if not await self._strategy.hit(item, self.namespace, caller):
                allowed = False
            stats = await self._strategy.get_window_stats(item, self.namespace, caller)
            reset = max(1, math.ceil(stats.reset_time - time.time()))
            quotas.append(
                Quota(policy_name(item), item.amount, item.get_expiry(), stats.remaining, reset)
            )
        return allowed, quotas


def rate_limit_header(quotas: list[Quota]) -> str:
    """The policy closest to running out, as the draft's `RateLimit` field."""
    tightest = min(quotas, key=lambda quota: (quota.remaining, -quota.reset_seconds))
    return f'"{tightest.name}";r={tightest.remaining};t={tightest.reset_seconds}'


def retry_after(quotas: list[Quota]) -> int:
    return max((quota.reset_seconds for quota in quotas if quota.remaining == 0), default=1)


def token_identifier(verifier: TokenVerifier) -> Identify:
    """The caller of a request: `sub:<subject>` for a valid token, else `ip:<address>`.

    An invalid token counts against the client's address (the request is refused with a
    401 further in anyway), so forging subjects buys nothing.
    """

    async def identify(scope: Scope) -> str:
        subject = await _verified_subject(verifier, Request(scope).headers.get("authorization"))
        if subject is not None:
            return f"sub:{subject}"
        client = scope.get("client")
        return f"ip:{client[0] if client else 'unknown'}"

    return identify


async def _verified_subject(verifier: TokenVerifier, header: str | None) -> str | None:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        principal = await verifier.verify(token.strip())
    except DomainError:
        return None
    return principal.sub


class RateLimitMiddleware:
    """Counts each request against the caller's policies; 429 past them."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, identify: Identify) -> None:
        self.app = app
        self.limiter = limiter
        self.identify = identify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        caller = await self.identify(scope)
        try:
            allowed, quotas = await self.limiter.hit(caller)
        except StorageError as exc:
            logger.warning("rate limit store unavailable, request let through: %s", exc)
            await self.app(scope, receive, send)
            return
        headers = {
            "RateLimit-Policy": self.limiter.policy_header(),
            "RateLimit": rate_limit_header(quotas),
        }
        if not allowed:
            await self._refuse(scope, receive, send, headers, quotas)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in headers.items():
                    response_headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: dict[str, str],
        quotas: list[Quota],
    ) -> None:
        wait = retry_after(quotas)
        response = problem_response(
            Request(scope),
            429,
            title="Too many requests",
            slug="rate-limited",
            detail=f"this caller's request quota is used up; retry in {wait} s",
            headers={**headers, "Retry-After": str(wait)},
        )
        await response(scope, receive, send)


def install_rate_limit(
    app: FastAPI, settings: CommonSettings, namespace: str, verifier: TokenVerifier
) -> RateLimiter | None:
    """Add the middleware (add it inside the request-context one, so a 429 is logged)."""
    app.state.rate_limiter = None
    limiter = RateLimiter(settings.rate_limit, namespace, settings.redis_url)
    if not limiter.enabled:
        return None
    app.state.rate_limiter = limiter
    app.add_middleware(RateLimitMiddleware, limiter=limiter, identify=token_identifier(verifier))
    return limiter


async def close_rate_limiter(app: FastAPI) -> None:
    """Close what `install_rate_limit` opened; call at the end of the app's lifespan."""
    limiter: RateLimiter | None = getattr(app.state, "rate_limiter", None)
    if limiter is not None:
        await limiter.aclose()
