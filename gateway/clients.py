"""One long-lived, pooled HTTP client per service, created and closed by the lifespan."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from httpx_aiohttp import AiohttpTransport

from gateway.config import GatewaySettings

SERVICE_NAMES = ("pledges", "practices", "events", "results")

# An idle pooled connection is dropped before uvicorn's keep-alive (5 s) closes it on the
# service's side, so the gateway does not send a request on a connection being closed.
KEEPALIVE_SECONDS = 4.0


def _transport(settings: GatewaySettings, limits: httpx.Limits) -> httpx.AsyncBaseTransport:
    """The network transport: aiohttp's (the default), or httpx's own
    (`GATEWAY_HTTP_TRANSPORT=httpx`).

    bench/gateway.py measures both at concurrency 1, 10 and 50: alike at 1 and 10, but at
    50 httpx's pool spent most of the gateway's CPU on its own bookkeeping and answered
    some requests with `ReadError` on pooled connections, where aiohttp served about twice
    the requests with none (docs/guides/speed.md).
    """
    if settings.http_transport == "aiohttp":
        transport: httpx.AsyncBaseTransport = AiohttpTransport(limits=limits)
        return transport
    return httpx.AsyncHTTPTransport(limits=limits)


class ServiceClients:
    """The gateway's clients, by service name."""

    def __init__(
        self,
        settings: GatewaySettings,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        # A call past the pool's size queues for a free connection as long as it would wait
        # for an answer (it used to fail after the connect timeout): a burst is served late,
        # not answered SERVICE_UNAVAILABLE. Opening a connection still fails fast.
        timeout = httpx.Timeout(
            settings.read_timeout, connect=settings.connect_timeout, pool=settings.read_timeout
        )
        limits = httpx.Limits(
            max_connections=settings.max_connections,
            max_keepalive_connections=settings.max_connections,
            keepalive_expiry=KEEPALIVE_SECONDS,
        )
        transports = transports or {}
        self._clients = {
            name: httpx.AsyncClient(
                base_url=url,
                timeout=timeout,
                transport=transports.get(name) or _transport(settings, limits),
            )
            for name, url in settings.service_urls().items()
        }

    def __getitem__(self, service: str) -> httpx.AsyncClient:
        return self._clients[service]

    def names(self) -> tuple[str, ...]:
        return tuple(self._clients)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
