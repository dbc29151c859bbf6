"""Benchmark of the portal's home page: p50/p95 warm, over the whole platform on demo data.

Starts `mirps up` (SQLite, demo data) on free ports, as `make run` does, then times GET
/en/ and /es/ on the portal process over HTTP, warm (the first requests fill the portal's
short gateway cache and chart cache, as any visitor after the first would find them), with
and without `If-None-Match`; then once more through a portal with its gateway cache off
(in-process, PORTAL_CACHE_SECONDS=0), so that every request asks the gateway: the cost when
the cache has just expired. The floor is the portal's own /healthz in the same run: what
any request to that process costs, with no gateway call and no template.

Target: home p95 <= 300 ms warm.

Usage:
    .venv/bin/python bench/portal_home.py [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from portal.app import create_app
from portal.config import PortalSettings
from tests.e2e.runner import start_platform


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(client: httpx.Client, path: str, count: int, headers: dict[str, str]) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 304), (path, response.status_code)
    return samples


async def measure_uncached(gateway: str, count: int) -> list[float]:
    app = create_app(PortalSettings(gateway_url=f"{gateway}/graphql", cache_seconds=0))
    samples = []
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
            for _ in range(count + 5):
                started = time.perf_counter()
                response = await client.get("/en/")
                samples.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
                assert "missing-notice" not in response.text
    return samples[5:]


def report(name: str, samples: list[float]) -> float:
    p50, p95 = statistics.median(samples), _percentile(samples, 0.95)
    print(f"  {name:<28} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        platform = start_platform(Path(folder) / "data")
        try:
            portal = f"http://127.0.0.1:{platform.base_port + 5}"
            with httpx.Client(base_url=portal, timeout=30) as client:
                for path in ("/en/", "/es/", "/healthz"):
                    measure(client, path, 5, {})  # warm: caches, connections
                etag = client.get("/en/").headers["etag"]
                print(f"portal home, {args.requests} requests each (demo data, warm):")
                floor = report("floor: /healthz", measure(client, "/healthz", args.requests, {}))
                english = report("home /en/", measure(client, "/en/", args.requests, {}))
                spanish = report("home /es/", measure(client, "/es/", args.requests, {}))
                report(
                    "home /en/ If-None-Match (304)",
                    measure(client, "/en/", args.requests, {"If-None-Match": etag}),
                )
            uncached = asyncio.run(measure_uncached(platform.gateway, args.requests // 3))
            report("home /en/, gateway cache off", uncached)
            worst = max(english, spanish)
            verdict = "meets" if worst <= 300 else "MISSES"
            print(f"home p95 {worst:.1f} ms = {worst / floor:.1f} x floor; {verdict} <= 300 ms")
        finally:
            platform.stop()


if __name__ == "__main__":
    main()
