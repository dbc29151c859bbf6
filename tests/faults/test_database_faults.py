"""The database stopped or frozen under load: fast 503s, no lost write, recovery in place.

Runs the pledges, practices, events and results services (in process, never restarted)
against the suite's own PostgreSQL cluster, which it stops, starts and freezes with SIGSTOP;
every fault hits the four at once and each is checked on its own.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field

import asyncpg
import httpx

from tests.faults.cluster import Cluster
from tests.faults.conftest import TARGETS, Target

# What the operations guide promises: a stalled database fails a request within 5 s.
ANSWER_WITHIN_SECONDS = 5.0


@dataclass
class Load:
    """Writers creating records in one service until told to stop, keeping what was
    acknowledged."""

    target: Target
    client: httpx.AsyncClient
    acknowledged: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    slowest: float = 0.0
    running: bool = True

    async def writer(self) -> None:
        while self.running:
            started = time.perf_counter()
            response = await self.target.write(self.client)
            self.slowest = max(self.slowest, time.perf_counter() - started)
            self.statuses[response.status_code] += 1
            if response.status_code == 201:
                self.acknowledged.append(response.json()[self.target.key])
            elif response.status_code == 503:
                assert_retryable(response)
            await asyncio.sleep(0.01)


def assert_retryable(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.request.url, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["type"] == "/problems/database-unavailable"


async def until_ok(target: Target, client: httpx.AsyncClient, seconds: float = 20.0) -> float:
    """Seconds until a write succeeds again (the service is not restarted)."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = await target.write(client)
        if response.status_code == 201:
            return time.perf_counter() - started
        assert response.status_code == 503, (target.name, response.text)
        await asyncio.sleep(0.2)
    raise AssertionError(f"{target.name}: no recovery within {seconds} s")


async def all_recover(services: dict[str, httpx.AsyncClient]) -> None:
    await asyncio.gather(*(until_ok(TARGETS[name], client) for name, client in services.items()))


async def test_a_stopped_database_answers_503_and_loses_no_acknowledged_write(
    cluster: Cluster, services: dict[str, httpx.AsyncClient]
) -> None:
    loads = [Load(TARGETS[name], client) for name, client in services.items()]
    writers = [asyncio.create_task(load.writer()) for load in loads for _ in range(2)]
    for _ in range(100):  # under way: each service has acknowledged a write
        if all(load.statuses[201] for load in loads):
            break
        await asyncio.sleep(0.1)
    await asyncio.to_thread(cluster.stop)
    await asyncio.sleep(1.5)
    for client in services.values():
        assert_retryable(await client.get("/readyz"))
    for load in loads:
        load.running = False
    await asyncio.gather(*writers)

    for load in loads:
        name = load.target.name
        assert load.statuses[201] > 0, (name, load.statuses)
        assert load.statuses[503] > 0, (name, load.statuses)
        assert set(load.statuses) <= {201, 503}, (name, load.statuses)
        assert load.slowest < ANSWER_WITHIN_SECONDS, (name, load.slowest)

    await asyncio.to_thread(cluster.start)
    await all_recover(services)
    for load in loads:
        assert (await load.client.get("/readyz")).status_code == 200, load.target.name
        for key in load.acknowledged:
            read = await load.target.read(load.client, key)
            assert read.status_code == 200, (load.target.name, key, read.text)


async def timed(request: Awaitable[httpx.Response]) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = await request
    return time.perf_counter() - started, response


def _requests_while_frozen(
    target: Target, client: httpx.AsyncClient
) -> list[Awaitable[tuple[float, httpx.Response]]]:
    return [
        *(timed(target.write(client)) for _ in range(2)),
        timed(client.get(target.collection, headers=target.headers)),
        timed(client.get("/readyz")),
    ]


async def test_a_frozen_database_fails_each_request_within_the_timeout(
    cluster: Cluster, services: dict[str, httpx.AsyncClient]
) -> None:
    for name, client in services.items():
        warm = await TARGETS[name].write(client)
        assert warm.status_code == 201, (name, warm.text)
    cluster.freeze()
    try:
        requests = [
            request
            for name, client in services.items()
            for request in _requests_while_frozen(TARGETS[name], client)
        ]
        results = await asyncio.gather(*requests)
        health = [await client.get("/healthz") for client in services.values()]
    finally:
        cluster.thaw()
    for seconds, response in results:
        assert seconds < ANSWER_WITHIN_SECONDS, (seconds, response.request.url)
        assert_retryable(response)
    assert [answer.status_code for answer in health] == [200] * len(services)
    await all_recover(services)


async def _write_behind_a_lock(
    cluster: Cluster, target: Target, client: httpx.AsyncClient
) -> tuple[float, httpx.Response]:
    holder = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{cluster.port}/{target.name}")
    try:
        async with holder.transaction():
            await holder.execute(f"LOCK TABLE {target.table} IN ACCESS EXCLUSIVE MODE")
            return await timed(target.write(client))
    finally:
        await holder.close()


async def test_a_lock_that_never_comes_is_cut_by_the_statement_timeout(
    cluster: Cluster, services: dict[str, httpx.AsyncClient]
) -> None:
    results = await asyncio.gather(
        *(_write_behind_a_lock(cluster, TARGETS[name], c) for name, c in services.items())
    )
    for name, (seconds, response) in zip(services, results, strict=True):
        assert seconds < ANSWER_WITHIN_SECONDS, (name, seconds)
        assert_retryable(response)
        assert response.json()["detail"] == "the database did not answer in time", name
    await all_recover(services)
