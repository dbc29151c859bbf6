"""Benchmark of the GraphQL gateway over the real services on PostgreSQL.

    .venv/bin/python bench/gateway.py
    .venv/bin/python bench/gateway.py --pledges 500 --requests 60 --rounds 3 --levels 1,10,50

1. Creates three throw-away databases (`mirps_bench_gw_<service>`) on the server of
   --admin-url, migrates them, loads each service's demo data, then scales the ledger up
   through the REST APIs: --organisations organisations, --objectives objectives,
   --events scheduled events and --pledges pledges, each pledge linked to a contributor,
   one or two objectives and an event.
2. Starts the three services and three gateways with uvicorn: one on httpx's own
   transport, one on the aiohttp transport (`GATEWAY_HTTP_TRANSPORT`), both without the
   response cache, and one (aiohttp) with its anonymous response cache on (2 s).
3. At each concurrency of --levels (1, 10 and 50 by default), in interleaved rounds, times
   p50/p95, req/s, errors and the gateway process's CPU ms per request of:
   - the frontend query: 50 pledges with contributor, objectives and event, through each
     gateway, and the same data by direct REST (the page, then organisations, objectives
     and events by `?ids=` in parallel);
   - one pledge with the same fields through each gateway, and by direct REST as the
     gateway plans it (the pledge with its contributor embedded, then its objectives and
     its event side by side).
   - the 50-pledge query, anonymous and repeated, through the gateway with the cache.
   It prints each gateway's p50 over direct REST's, per query and concurrency, and the
   cached gateway's req/s over the uncached one's.
   The upstream calls each query costs are asserted by the test suite
   (tests/gateway/test_batching.py, tests/gateway/test_call_plans.py), not here.

Targets (issue 18): gateway p50 <= 1.5 x direct REST; 0 errors; one pledge at
concurrency 50 >= 60 req/s per gateway process. Not run by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from httpx_aiohttp import AiohttpTransport
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.cli import load_demo  # noqa: E402
from services.common.auth import mint_token  # noqa: E402
from services.common.migrations import upgrade_to_head  # noqa: E402
from services.common.settings import CommonSettings  # noqa: E402

SERVICES = ("pledges", "practices", "events")
TOKEN = mint_token(CommonSettings(environment="development"), roles=["secretariat"], sub="bench")
SECRETARIAT = {"Authorization": f"Bearer {TOKEN}"}

FRONTEND_QUERY = """
query Pledges {
  pledges(first: 50) {
    edges { node {
      id title { es en } kind amount { amount currency amountUsd } financialStatus
      contributor { name acronym kind }
      objectives { title { es } country { code } requirement { amount currency } }
      announcedAt { title { es } startsAt kind }
    } }
  }
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def admin(url: str, statement: str) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def create_databases(admin_url: str) -> dict[str, str]:
    urls = {}
    for service in SERVICES:
        name = f"mirps_bench_gw_{service}"
        await admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin(admin_url, f'CREATE DATABASE "{name}"')
        urls[service] = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return urls


async def drop_databases(admin_url: str) -> None:
    for service in SERVICES:
        await admin(admin_url, f'DROP DATABASE IF EXISTS "mirps_bench_gw_{service}" WITH (FORCE)')


def start(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "--factory", target, "--host", "127.0.0.1",
        "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def wait_healthy(urls: list[str]) -> None:
    deadline = time.monotonic() + 60
    for url in urls:
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not start")
            time.sleep(0.2)


async def gather_limited(
    count: int, concurrency: int, make: Callable[[int], Awaitable[Any]]
) -> list[Any]:
    semaphore = asyncio.Semaphore(concurrency)

    async def one(index: int) -> Any:
        async with semaphore:
            return await make(index)

    return list(await asyncio.gather(*(one(index) for index in range(count))))


async def scale_up(urls: dict[str, str], args: argparse.Namespace) -> None:
    """More organisations, objectives, events and pledges, created through the APIs."""
    rng = random.Random(7)
    async with httpx.AsyncClient(headers=SECRETARIAT, timeout=30) as client:

        async def post(service: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = await client.post(f"{urls[service]}{path}", json=body)
            response.raise_for_status()
            result: dict[str, Any] = response.json()
            return result

        organisations = await gather_limited(
            args.organisations,
            8,
            lambda i: post(
                "pledges",
                "/v1/organisations",
                {"name": f"Bench org {i}", "acronym": f"B{i}", "kind": "state"},
            ),
        )
        countries = ("BLZ", "CRI", "SLV", "GTM", "HND", "MEX", "PAN")
        objectives = await gather_limited(
            args.objectives,
            8,
            lambda i: post(
                "pledges",
                "/v1/objectives",
                {
                    "country": countries[i % 7],
                    "pillar": "durable_solutions",
                    "theme": "employment_livelihoods",
                    "title": {"es": f"Objetivo {i}", "en": f"Objective {i}"},
                    "requirement": {"amount": "1000000", "currency": "USD"},
                    "start_year": 2023,
                    "end_year": 2025,
                },
            ),
        )

        async def event(i: int) -> dict[str, Any]:
            record = await post(
                "events",
                "/v1/events",
                {
                    "kind": "learning_event",
                    "title": {"es": f"Evento {i}", "en": f"Event {i}"},
                    "starts_at": f"2023-{1 + i % 12:02d}-{1 + i % 27:02d}T09:00:00",
                    "ends_at": f"2023-{1 + i % 12:02d}-{1 + i % 27:02d}T11:00:00",
                    "timezone": "America/Panama",
                    "mode": "virtual",
                    "online_url": "https://meet.example.org/bench",
                },
            )
            return await post("events", f"/v1/events/{record['id']}/schedule", {})

        events = await gather_limited(args.events, 4, event)

        def pledge(i: int) -> Awaitable[dict[str, Any]]:
            linked = rng.sample(objectives, k=1 + i % 2)
            return post(
                "pledges",
                "/v1/pledges",
                {
                    "contributor_id": rng.choice(organisations)["id"],
                    "kind": "financial",
                    "title": {"es": f"Promesa {i}", "en": f"Pledge {i}"},
                    "amount": {"amount": f"{rng.randint(1, 500) * 1000}", "currency": "USD"},
                    "recipient_countries": sorted({objective["country"] for objective in linked}),
                    "objective_ids": [objective["id"] for objective in linked],
                    "announced_on": "2023-03-01",
                    "announced_at": rng.choice(events)["id"],
                },
            )

        await gather_limited(args.pledges, 8, pledge)


async def direct_rest(client: httpx.AsyncClient, urls: dict[str, str]) -> int:
    """The frontend query's data by REST: one page, then three batch reads in parallel."""
    response = await client.get(f"{urls['pledges']}/v1/pledges", params={"limit": 50})
    response.raise_for_status()
    items = response.json()["items"]
    organisation_ids = ",".join(sorted({item["contributor_id"] for item in items}))
    objective_ids = ",".join(sorted({oid for item in items for oid in item["objective_ids"]}))
    event_ids = ",".join(sorted({item["announced_at"] for item in items if item["announced_at"]}))
    responses = await asyncio.gather(
        client.get(
            f"{urls['pledges']}/v1/organisations", params={"ids": organisation_ids, "limit": 200}
        ),
        client.get(f"{urls['pledges']}/v1/objectives", params={"ids": objective_ids, "limit": 200}),
        client.get(f"{urls['events']}/v1/events", params={"ids": event_ids, "limit": 200}),
    )
    for response in responses:
        response.raise_for_status()
    return len(items)


async def direct_rest_embedded(client: httpx.AsyncClient, urls: dict[str, str]) -> int:
    """The same as the gateway fetches it: the page with `?include=contributor`, then the
    objectives and the events by `?ids=` in parallel (three calls in two rounds)."""
    response = await client.get(
        f"{urls['pledges']}/v1/pledges", params={"limit": 50, "include": "contributor"}
    )
    response.raise_for_status()
    items = response.json()["items"]
    objective_ids = ",".join(sorted({oid for item in items for oid in item["objective_ids"]}))
    event_ids = ",".join(sorted({item["announced_at"] for item in items if item["announced_at"]}))
    responses = await asyncio.gather(
        client.get(f"{urls['pledges']}/v1/objectives", params={"ids": objective_ids, "limit": 200}),
        client.get(f"{urls['events']}/v1/events", params={"ids": event_ids, "limit": 200}),
    )
    for response in responses:
        response.raise_for_status()
    return len(items)


SINGLE_QUERY = """
query One($id: ID!) {
  pledge(id: $id) {
    id title { es en } kind amount { amount currency amountUsd } financialStatus
    contributor { name acronym kind }
    objectives { title { es } country { code } requirement { amount currency } }
    announcedAt { title { es } startsAt kind }
  }
}
"""


async def direct_rest_one(client: httpx.AsyncClient, urls: dict[str, str], pledge_id: str) -> int:
    """One pledge as the gateway reads it: the pledge with its contributor, then its
    objectives and its event side by side (three calls in two rounds)."""
    response = await client.get(
        f"{urls['pledges']}/v1/pledges", params={"ids": pledge_id, "include": "contributor"}
    )
    response.raise_for_status()
    (item,) = response.json()["items"]
    responses = await asyncio.gather(
        client.get(
            f"{urls['pledges']}/v1/objectives", params={"ids": ",".join(item["objective_ids"])}
        ),
        client.get(f"{urls['events']}/v1/events", params={"ids": item["announced_at"]}),
    )
    for response in responses:
        response.raise_for_status()
    return 1


class GraphQLErrors(Exception):
    """An answer with `errors`: its kinds, e.g. `SERVICE_UNAVAILABLE pledges: timed out`."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.kinds = [_kind(error) for error in errors]


def _kind(error: dict[str, Any]) -> str:
    extensions = error.get("extensions") or {}
    details = [str(extensions[key]) for key in ("service", "status") if key in extensions]
    message = str(error.get("message", ""))[:80]
    return " ".join([str(extensions.get("code", "NO_CODE")), *details, f": {message}"])


def error_kinds(exc: Exception) -> list[str]:
    """How one failed request failed, counted by kind in the report."""
    if isinstance(exc, GraphQLErrors):
        return exc.kinds
    if isinstance(exc, httpx.HTTPStatusError):
        return [f"HTTP {exc.response.status_code} {exc.request.method} {exc.request.url.path}"]
    return [f"{type(exc).__name__}: {str(exc)[:80]}"]


async def graphql(
    client: httpx.AsyncClient, url: str, query: str, variables: dict[str, Any] | None = None
) -> int:
    response = await client.post(f"{url}/graphql", json={"query": query, "variables": variables})
    try:
        body = response.json()
    except ValueError:
        response.raise_for_status()
        raise
    if body.get("errors"):
        raise GraphQLErrors(body["errors"])
    data = body["data"]
    if "pledge" in data:
        return 1 if data["pledge"] else 0
    edges = (data.get("pledges") or {}).get("edges", [])
    return len(edges)


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc; 0 without a pid)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Target:
    name: str
    call: Callable[[], Awaitable[int]]
    pid: int | None = None  # the gateway process whose CPU time is charged to the target


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    errors: int = 0
    cpu: float = 0.0
    kinds: Counter[str] = field(default_factory=Counter)


async def timed(call: Callable[[], Awaitable[int]], result: Result) -> None:
    started = time.perf_counter()
    try:
        await call()
    except Exception as exc:  # the bench counts failures by kind instead of stopping
        result.errors += 1
        result.kinds.update(set(error_kinds(exc)))  # each kind once per failed request
    result.latencies.append((time.perf_counter() - started) * 1000)


async def measure(
    targets: list[Target], concurrency: int, args: argparse.Namespace
) -> dict[str, Result]:
    """p50/p95, req/s, errors and gateway CPU per request at one concurrency, per target,
    in interleaved rounds (which spreads a shared machine's noise over every target)."""
    results = {target.name: Result() for target in targets}
    per_round = max(concurrency, args.requests // args.rounds)
    for _ in range(args.rounds):
        for target in targets:
            result = results[target.name]
            cpu, started = cpu_seconds(target.pid), time.perf_counter()
            await gather_limited(
                per_round, concurrency, lambda _, t=target, r=result: timed(t.call, r)
            )
            result.elapsed += time.perf_counter() - started
            result.cpu += cpu_seconds(target.pid) - cpu
    for target in targets:
        result = results[target.name]
        values = sorted(result.latencies)
        count = len(values)
        cpu_ms = f"{result.cpu * 1000 / count:6.2f}" if target.pid else "     -"
        print(
            f"c={concurrency:<3} {target.name:<46} p50 {statistics.median(values):7.2f} ms"
            f"  p95 {values[max(0, int(count * 0.95) - 1)]:7.2f} ms"
            f"  {count / result.elapsed:7.1f} req/s  errors {result.errors:3d}"
            f"  CPU {cpu_ms} ms/req"
        )
        for kind, count in result.kinds.most_common():
            print(f"        {count:4d} x {kind}")
    return results


def report_ratios(concurrency: int, results: dict[str, Result]) -> None:
    """Each gateway's p50 against direct REST fetching the same data, in the same run."""
    for kind in ("50 pledges", "one pledge"):
        floor = statistics.median(results[f"direct REST, {kind}"].latencies)
        for name in ("httpx", "aiohttp"):
            ratio = statistics.median(results[f"gateway, {kind} ({name})"].latencies) / floor
            print(f"c={concurrency:<3} {kind} ({name}): gateway p50 / REST p50 = {ratio:.2f}")
    cached, uncached = (
        results[f"gateway, 50 pledges ({name})"] for name in ("cached, anonymous", "aiohttp")
    )
    speedup = (len(cached.latencies) / cached.elapsed) / (
        len(uncached.latencies) / uncached.elapsed
    )
    print(f"c={concurrency:<3} 50 pledges from the cache: {speedup:.1f}x the uncached req/s")


async def run(args: argparse.Namespace) -> None:
    database_urls = await create_databases(args.admin_url)
    for service in SERVICES:
        await asyncio.to_thread(upgrade_to_head, service, database_urls[service])
        print(f"{service}: {await load_demo(service, database_urls[service])}")
    gateways = ("gateway_httpx", "gateway_aiohttp", "gateway_cached")
    ports = {name: free_port() for name in (*SERVICES, *gateways)}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    # Throughput is measured without the per-caller rate limit (one subject sends it all).
    env = dict(
        os.environ, MIRPS_ENVIRONMENT="development", MIRPS_LOG_LEVEL="WARNING", MIRPS_RATE_LIMIT=""
    )
    for service in SERVICES:
        env[f"{service.upper()}_DATABASE_URL"] = database_urls[service]
        if args.db_wait:  # the services' own waits for PostgreSQL (1 s / 2 s by default)
            for setting in ("DB_POOL_TIMEOUT", "DB_STATEMENT_TIMEOUT"):
                env[f"{service.upper()}_{setting}"] = str(args.db_wait)
        env[f"GATEWAY_{service.upper()}_URL"] = urls[service]
    processes = [start(f"services.{s}.app:create_app", ports[s], env) for s in SERVICES]
    pids: dict[str, int] = {}
    # The transports are compared without the response cache; a third gateway has it on.
    for name, transport, cache in (
        ("httpx", "httpx", "0"),
        ("aiohttp", "aiohttp", "0"),
        ("cached", "aiohttp", "2"),
    ):
        gateway_env = dict(
            env, GATEWAY_HTTP_TRANSPORT=transport, GATEWAY_RESPONSE_CACHE_SECONDS=cache
        )
        process = start("gateway.app:create_app", ports[f"gateway_{name}"], gateway_env)
        processes.append(process)
        pids[name] = process.pid
    try:
        wait_healthy(list(urls.values()))
        started = time.perf_counter()
        await scale_up(urls, args)
        print(f"scaled up in {time.perf_counter() - started:.1f} s")
        limits = httpx.Limits(max_connections=max(args.levels) * 2)
        # The benchmark's own client uses the aiohttp transport, so that the client's cost
        # is small and the same for REST and GraphQL.
        transport = AiohttpTransport(limits=limits)
        async with httpx.AsyncClient(timeout=30, transport=transport) as client:
            page = await client.get(f"{urls['pledges']}/v1/pledges", params={"limit": 1})
            one = {"id": page.json()["items"][0]["id"]}
            targets = [
                Target("direct REST, 50 pledges", lambda: direct_rest(client, urls)),
                Target("direct REST, one pledge", lambda: direct_rest_one(client, urls, one["id"])),
            ]
            for name in ("httpx", "aiohttp"):
                url = urls[f"gateway_{name}"]
                targets += [
                    Target(
                        f"gateway, 50 pledges ({name})",
                        lambda url=url: graphql(client, url, FRONTEND_QUERY),
                        pids[name],
                    ),
                    Target(
                        f"gateway, one pledge ({name})",
                        lambda url=url: graphql(client, url, SINGLE_QUERY, one),
                        pids[name],
                    ),
                ]
            targets.append(
                Target(
                    "gateway, 50 pledges (cached, anonymous)",
                    lambda: graphql(client, urls["gateway_cached"], FRONTEND_QUERY),
                    pids["cached"],
                )
            )
            for target in targets:  # warm up
                for _ in range(5):
                    await target.call()
            for concurrency in args.levels:
                report_ratios(concurrency, await measure(targets, concurrency, args))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)
        if not args.keep:
            await drop_databases(args.admin_url)


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
    parser.add_argument("--organisations", type=int, default=100)
    parser.add_argument("--objectives", type=int, default=60)
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--pledges", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=100, help="Per target and level.")
    parser.add_argument(
        "--levels",
        type=lambda text: [int(value) for value in text.split(",")],
        default=[1, 10, 50],
        help="Concurrency levels, comma-separated.",
    )
    parser.add_argument("--rounds", type=int, default=5, help="Interleaved measuring rounds.")
    parser.add_argument("--keep", action="store_true", help="Keep the databases afterwards.")
    parser.add_argument(
        "--db-wait",
        type=float,
        default=0,
        help="Seconds the services wait for a pooled connection and a statement before a\n"
        "503 (default: the services' own settings). A generous value measures the gateway\n"
        "and its transport apart from the services' database pools.",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
