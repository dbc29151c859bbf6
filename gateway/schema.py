"""The GraphQL schema of the gateway."""

from __future__ import annotations

import asyncio
import time

import httpx
import strawberry
from strawberry.types import Info

from gateway.context import Context


@strawberry.type(description="Readiness of one backing service, as seen from the gateway.")
class ServiceHealth:
    service: str = strawberry.field(description="Service name: pledges, practices or events.")
    ready: bool = strawberry.field(description="True when the service answered /readyz with 200.")
    latency_ms: float | None = strawberry.field(
        description="Round-trip time of the readiness call in milliseconds; null if it failed."
    )
    error: str | None = strawberry.field(description="Why the service is not ready, if it is not.")


async def _check(info: Info[Context, None], service: str) -> ServiceHealth:
    client = info.context.clients[service]
    started = time.perf_counter()
    try:
        response = await client.get("/readyz", headers=info.context.forward_headers())
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        return ServiceHealth(service=service, ready=False, latency_ms=None, error=reason)
    latency = round((time.perf_counter() - started) * 1000, 2)
    if response.status_code != 200:
        return ServiceHealth(
            service=service,
            ready=False,
            latency_ms=latency,
            error=f"/readyz answered {response.status_code}",
        )
    return ServiceHealth(service=service, ready=True, latency_ms=latency, error=None)


@strawberry.type
class Query:
    @strawberry.field(
        description="Readiness of each backing service; answers even if some are down."
    )
    async def health(self, info: Info[Context, None]) -> list[ServiceHealth]:
        names = info.context.clients.names()
        return list(await asyncio.gather(*(_check(info, name) for name in names)))


schema = strawberry.Schema(query=Query)
