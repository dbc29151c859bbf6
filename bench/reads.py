"""Benchmark of the services' hot reads against a bare FastAPI + one-query floor.

    .venv/bin/python bench/reads.py
    .venv/bin/python bench/reads.py --requests 300 --rounds 3 --levels 1,10

1. Creates three throw-away databases (`mirps_bench_reads_<service>`), migrates them,
   loads the demo data and adds --pledges pledges through the API (so there is a full
   page of 50).
2. Starts the pledges, practices and events services with uvicorn, and a floor: a bare
   FastAPI app (this file's `floor_app`) whose every route does one asyncpg query for the
   same row(s) in the same database and answers the same JSON document the service
   answered (captured once at start, encoded again on every request).
3. At each concurrency of --levels (1 and 10), in interleaved rounds, times each read
   beside its floor — GET one pledge, GET 50 pledges, GET one practice, GET one event —
   and prints req/s, the server process's CPU ms per request, and the service's req/s as
   a share of its floor's.

Targets (issue 18): GET one ≥ 33 % of its floor's throughput, the 50-pledge list ≥ 50 %.
Requests are anonymous, as the public pages send them. Not run by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from httpx_aiohttp import AiohttpTransport
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gateway import (  # noqa: E402
    SECRETARIAT,
    admin,
    cpu_seconds,
    free_port,
    gather_limited,
    start,
    wait_healthy,
)
from services.cli import load_demo  # noqa: E402
from services.common.migrations import upgrade_to_head  # noqa: E402

SERVICES = ("pledges", "practices", "events")
FLOOR_SPEC = "READS_FLOOR_SPEC"


def floor_app() -> FastAPI:
    """The floor: per route, one asyncpg query, then the service's JSON for it."""
    spec = json.loads(Path(os.environ[FLOOR_SPEC]).read_text())
    pools: dict[str, asyncpg.Pool] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        for service, dsn in spec["databases"].items():
            pools[service] = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        yield
        for pool in pools.values():
            await pool.close()

    app = FastAPI(lifespan=lifespan)
    app.add_api_route("/healthz", lambda: {"status": "ok"}, methods=["GET"])

    def route(service: str, sql: str, args: list[Any], body: Any) -> Any:
        async def read() -> JSONResponse:
            async with pools[service].acquire() as connection:
                await connection.fetch(sql, *args)
            return JSONResponse(body)

        return read

    for path, read in spec["routes"].items():
        app.add_api_route(
            path, route(read["service"], read["sql"], read["args"], read["body"]), methods=["GET"]
        )
    return app


@dataclass(frozen=True)
class Read:
    name: str
    service: str
    path: str  # on the service
    sql: str  # the floor's one query
    args: list[Any]
    target: float  # the service's share of its floor's req/s to reach


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    errors: int = 0
    cpu: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.elapsed


async def add_pledges(url: str, count: int) -> None:
    """`count` more pledges through the API, one at a time, on the demo's first objective."""
    async with httpx.AsyncClient(base_url=url, headers=SECRETARIAT, timeout=30) as client:
        organisation = (await client.get("/v1/organisations", params={"limit": 1})).json()
        objective = (await client.get("/v1/objectives", params={"limit": 1})).json()
        contributor_id = organisation["items"][0]["id"]
        linked = objective["items"][0]
        for index in range(count):
            response = await client.post(
                "/v1/pledges",
                json={
                    "contributor_id": contributor_id,
                    "kind": "financial",
                    "title": {"es": f"Promesa {index}", "en": f"Pledge {index}"},
                    "amount": {"amount": f"{(index + 1) * 1000}", "currency": "USD"},
                    "recipient_countries": [linked["country"]],
                    "objective_ids": [linked["id"]],
                    "announced_on": "2023-03-01",
                },
            )
            response.raise_for_status()


async def reads_of(client: httpx.AsyncClient, urls: dict[str, str]) -> list[Read]:
    pledges = (await client.get(f"{urls['pledges']}/v1/pledges", params={"limit": 50})).json()
    practices = (await client.get(f"{urls['practices']}/v1/practices", params={"limit": 1})).json()
    events = (await client.get(f"{urls['events']}/v1/events", params={"limit": 1})).json()
    pledge_id = pledges["items"][0]["id"]
    practice_id = practices["items"][0]["id"]
    event_id = events["items"][0]["id"]
    assert len(pledges["items"]) == 50, "not a full page of pledges"
    return [
        Read(
            "GET one pledge",
            "pledges",
            f"/v1/pledges/{pledge_id}",
            "SELECT * FROM pledges WHERE id = $1::uuid",
            [pledge_id],
            0.33,
        ),
        Read(
            "GET 50 pledges",
            "pledges",
            "/v1/pledges?limit=50",
            "SELECT * FROM pledges ORDER BY id LIMIT 51",
            [],
            0.50,
        ),
        Read(
            "GET one practice",
            "practices",
            f"/v1/practices/{practice_id}",
            "SELECT * FROM practice WHERE id = $1::uuid",
            [practice_id],
            0.33,
        ),
        Read(
            "GET one event",
            "events",
            f"/v1/events/{event_id}",
            "SELECT * FROM events WHERE id = $1::uuid",
            [event_id],
            0.33,
        ),
    ]


async def write_floor_spec(
    client: httpx.AsyncClient, urls: dict[str, str], databases: dict[str, str], reads: list[Read]
) -> Path:
    routes = {}
    for index, read in enumerate(reads):
        response = await client.get(f"{urls[read.service]}{read.path}")
        response.raise_for_status()
        routes[f"/floor/{index}"] = {
            "service": read.service,
            "sql": read.sql,
            "args": read.args,
            "body": response.json(),
        }
    dsns = {
        service: make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        for service, url in databases.items()
    }
    path = Path(tempfile.mkstemp(prefix="mirps-reads-floor-", suffix=".json")[1])
    await asyncio.to_thread(path.write_text, json.dumps({"databases": dsns, "routes": routes}))
    return path


async def timed(client: httpx.AsyncClient, url: str, result: Result) -> None:
    started = time.perf_counter()
    try:
        response = await client.get(url)
        response.raise_for_status()
    except httpx.HTTPError:  # counted, the run goes on
        result.errors += 1
    result.latencies.append((time.perf_counter() - started) * 1000)


async def measure(
    client: httpx.AsyncClient,
    targets: list[tuple[str, str, int]],
    concurrency: int,
    args: argparse.Namespace,
) -> dict[str, Result]:
    """Per target (name, url, server pid): interleaved rounds at one concurrency."""
    results = {name: Result() for name, _, _ in targets}
    per_round = max(concurrency, args.requests // args.rounds)
    for _ in range(args.rounds):
        for name, url, pid in targets:
            result = results[name]
            cpu, started = cpu_seconds(pid), time.perf_counter()
            await gather_limited(
                per_round, concurrency, lambda _, u=url, r=result: timed(client, u, r)
            )
            result.elapsed += time.perf_counter() - started
            result.cpu += cpu_seconds(pid) - cpu
    return results


def report(read: Read, concurrency: int, service: Result, floor: Result) -> None:
    for label, result in (("service", service), ("floor", floor)):
        values = sorted(result.latencies)
        print(
            f"c={concurrency:<3} {read.name:<17} {label:<8}"
            f" p50 {statistics.median(values):7.2f} ms  {result.per_second:7.1f} req/s"
            f"  CPU {result.cpu * 1000 / len(values):6.2f} ms/req  errors {result.errors}"
        )
    share = service.per_second / floor.per_second
    verdict = "met" if share >= read.target else "NOT met"
    print(
        f"c={concurrency:<3} {read.name:<17} service / floor = {share:.0%}"
        f" (target ≥ {read.target:.0%}: {verdict})"
    )


async def run(args: argparse.Namespace) -> None:
    databases = {}
    for service in SERVICES:
        name = f"mirps_bench_reads_{service}"
        await admin(args.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin(args.admin_url, f'CREATE DATABASE "{name}"')
        databases[service] = (
            make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
        )
        await asyncio.to_thread(upgrade_to_head, service, databases[service])
        print(f"{service}: {await load_demo(service, databases[service])}")
    ports = {name: free_port() for name in (*SERVICES, "floor")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = dict(
        os.environ, MIRPS_ENVIRONMENT="development", MIRPS_LOG_LEVEL="WARNING", MIRPS_RATE_LIMIT=""
    )
    for service in SERVICES:
        env[f"{service.upper()}_DATABASE_URL"] = databases[service]
    processes = {s: start(f"services.{s}.app:create_app", ports[s], env) for s in SERVICES}
    spec: Path | None = None
    try:
        wait_healthy([urls[s] for s in SERVICES])
        await add_pledges(urls["pledges"], args.pledges)
        limits = httpx.Limits(max_connections=max(args.levels) * 2)
        async with httpx.AsyncClient(
            timeout=30, transport=AiohttpTransport(limits=limits)
        ) as client:
            reads = await reads_of(client, urls)
            spec = await write_floor_spec(client, urls, databases, reads)
            processes["floor"] = start(
                "bench.reads:floor_app", ports["floor"], {**env, FLOOR_SPEC: str(spec)}
            )
            wait_healthy([urls["floor"]])
            targets = []
            for index, read in enumerate(reads):
                targets.append(
                    (
                        f"{read.name} service",
                        f"{urls[read.service]}{read.path}",
                        processes[read.service].pid,
                    )
                )
                targets.append(
                    (f"{read.name} floor", f"{urls['floor']}/floor/{index}", processes["floor"].pid)
                )
            for _, url, _ in targets:  # warm up, and check the floor answers
                for _ in range(5):
                    (await client.get(url)).raise_for_status()
            for concurrency in args.levels:
                results = await measure(client, targets, concurrency, args)
                for read in reads:
                    report(
                        read,
                        concurrency,
                        results[f"{read.name} service"],
                        results[f"{read.name} floor"],
                    )
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=15)
        if spec is not None:
            spec.unlink(missing_ok=True)
        if not args.keep:
            for service in SERVICES:
                await admin(
                    args.admin_url,
                    f'DROP DATABASE IF EXISTS "mirps_bench_reads_{service}" WITH (FORCE)',
                )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "MIRPS_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        ),
        help="Async URL of an existing database on the server to use.",
    )
    parser.add_argument("--pledges", type=int, default=80, help="Pledges added to the demo's.")
    parser.add_argument("--requests", type=int, default=300, help="Per target and level.")
    parser.add_argument(
        "--levels",
        type=lambda text: [int(value) for value in text.split(",")],
        default=[1, 10],
        help="Concurrency levels, comma-separated.",
    )
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved measuring rounds.")
    parser.add_argument("--keep", action="store_true", help="Keep the databases afterwards.")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
