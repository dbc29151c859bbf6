"""The database stopped or frozen under load: fast 503s, no lost write, recovery in place.

Runs the practices service (in process, never restarted) against the suite's own
PostgreSQL cluster, which it stops, starts and freezes with SIGSTOP.
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
from tests.practices.conftest import MEMBER_A, practice_body

# What the README promises: a stalled database fails a request within 5 s.
ANSWER_WITHIN_SECONDS = 5.0


@dataclass
class Load:
    """Writers creating practices until told to stop, keeping what was acknowledged."""

    client: httpx.AsyncClient
    acknowledged: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    slowest: float = 0.0
    running: bool = True

    async def writer(self) -> None:
        while self.running:
            started = time.perf_counter()
            response = await self.client.post(
                "/v1/practices", json=practice_body(), headers=MEMBER_A
            )
            self.slowest = max(self.slowest, time.perf_counter() - started)
            self.statuses[response.status_code] += 1
            if response.status_code == 201:
                self.acknowledged.append(response.json()["id"])
            elif response.status_code == 503:
                assert_retryable(response)
            await asyncio.sleep(0.01)


def assert_retryable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["type"] == "/problems/database-unavailable"


async def until_ok(client: httpx.AsyncClient, seconds: float = 20.0) -> float:
    """Seconds until a write succeeds again (the service is not restarted)."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        response = await client.post("/v1/practices", json=practice_body(), headers=MEMBER_A)
        if response.status_code == 201:
            return time.perf_counter() - started
        assert response.status_code == 503, response.text
        await asyncio.sleep(0.2)
    raise AssertionError(f"no recovery within {seconds} s")


async def test_a_stopped_database_answers_503_and_loses_no_acknowledged_write(
    cluster: Cluster, service: httpx.AsyncClient
) -> None:
    load = Load(service)
    writers = [asyncio.create_task(load.writer()) for _ in range(4)]
    await asyncio.sleep(0.5)
    await asyncio.to_thread(cluster.stop)
    await asyncio.sleep(1.5)
    ready = await service.get("/readyz")
    assert_retryable(ready)
    load.running = False
    await asyncio.gather(*writers)

    assert load.statuses[201] > 0, load.statuses
    assert load.statuses[503] > 0, load.statuses
    assert set(load.statuses) <= {201, 503}, load.statuses
    assert load.slowest < ANSWER_WITHIN_SECONDS, load.slowest

    await asyncio.to_thread(cluster.start)
    await until_ok(service)
    assert (await service.get("/readyz")).status_code == 200
    for practice_id in load.acknowledged:
        read = await service.get(f"/v1/practices/{practice_id}", headers=MEMBER_A)
        assert read.status_code == 200, (practice_id, read.text)


async def timed(request: Awaitable[httpx.Response]) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = await request
    return time.perf_counter() - started, response


async def test_a_frozen_database_fails_each_request_within_the_timeout(
    cluster: Cluster, service: httpx.AsyncClient
) -> None:
    warm = await service.post("/v1/practices", json=practice_body(), headers=MEMBER_A)
    assert warm.status_code == 201
    cluster.freeze()
    try:
        writes = [
            timed(service.post("/v1/practices", json=practice_body(), headers=MEMBER_A))
            for _ in range(3)
        ]
        reads = [
            timed(service.get("/v1/practices", headers=MEMBER_A)),
            timed(service.get("/readyz")),
        ]
        results = await asyncio.gather(*writes, *reads)
        health = await service.get("/healthz")
    finally:
        cluster.thaw()
    for seconds, response in results:
        assert seconds < ANSWER_WITHIN_SECONDS, (seconds, response.request.url)
        assert_retryable(response)
    assert health.status_code == 200
    await until_ok(service)


async def test_a_lock_that_never_comes_is_cut_by_the_statement_timeout(
    cluster: Cluster, service: httpx.AsyncClient
) -> None:
    holder = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres")
    try:
        async with holder.transaction():
            await holder.execute("LOCK TABLE practice IN ACCESS EXCLUSIVE MODE")
            seconds, response = await timed(
                service.post("/v1/practices", json=practice_body(), headers=MEMBER_A)
            )
    finally:
        await holder.close()
    assert seconds < ANSWER_WITHIN_SECONDS, seconds
    assert_retryable(response)
    assert response.json()["detail"] == "the database did not answer in time"
    await until_ok(service)
