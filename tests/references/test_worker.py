"""The worker keeps the reference tables current by itself, from real HTTP feeds."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from contextlib import ExitStack

import httpx
import pytest
from fastapi import FastAPI

from services import worker
from services.practices.app import create_app as practices_app
from services.practices.config import Settings as PracticesSettings
from services.worker import WorkerSettings
from services.worker import create_app as create_worker
from tests.conftest import TEST_COMMON_SETTINGS, Databases, auth_headers
from tests.contract.conftest import served
from tests.practices.conftest import practice_body

RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]
SECRETARIAT = auth_headers("secretariat", sub="secretariat-1")
CLOSED_PORT = "http://127.0.0.1:9"


async def test_the_worker_reads_the_feeds_into_the_reference_tables(
    databases: Databases,
    database_url_for: Callable[[str], Awaitable[str]],
    run_app: RunApp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MIRPS_ENVIRONMENT", "test")
    for service in ("pledges", "practices", "events", "results"):
        monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", await database_url_for(service))
    for variable in ("EVENTS_PLEDGES_URL", "EVENTS_PRACTICES_URL", "PLEDGES_EVENTS_URL"):
        monkeypatch.setenv(variable, CLOSED_PORT)  # those upstreams are down: logged, retried
    stack = ExitStack()  # the server migrates its database with asyncio.run: in a thread
    pledges_url = await asyncio.to_thread(stack.enter_context, served("pledges", databases))
    try:
        monkeypatch.setenv("PRACTICES_PLEDGES_URL", pledges_url)
        monkeypatch.setenv("RESULTS_PLEDGES_URL", pledges_url)
        async with httpx.AsyncClient(base_url=pledges_url) as pledges:
            organisation = await pledges.post(
                "/v1/organisations", json={"name": "Donor", "kind": "state"}, headers=SECRETARIAT
            )
            assert organisation.status_code == 201, organisation.text
        practices = await run_app(
            practices_app(
                PracticesSettings(
                    database_url=os.environ["PRACTICES_DATABASE_URL"], mirps=TEST_COMMON_SETTINGS
                )
            )
        )
        await run_app(
            create_worker(
                WorkerSettings(poll_interval_seconds=0.05, references_interval_seconds=0.1)
            )
        )
        unknown = practice_body(implementing_organisations=[{"id": "no-such-org", "name": "X"}])
        for _ in range(200):  # until the worker's first round has read the pledges feed
            response = await practices.post("/v1/practices", json=unknown, headers=SECRETARIAT)
            if response.status_code == 422:
                break
            await asyncio.sleep(0.05)

        assert response.status_code == 422, response.text
        known = [{"id": organisation.json()["id"], "name": "Donor"}]
        accepted = await practices.post(
            "/v1/practices",
            json=practice_body(implementing_organisations=known),
            headers=SECRETARIAT,
        )
        assert accepted.status_code == 201, accepted.text
    finally:
        await asyncio.to_thread(stack.close)


@pytest.mark.parametrize("fault", [ValueError("not JSON"), KeyError("next")])
async def test_a_malformed_feed_page_does_not_stop_the_reading(
    fault: Exception, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """One upstream answering what the contract does not say is logged, and the next
    rounds still read (the loop used to end on it, leaving the tables silently stale)."""
    rounds: list[str] = []

    async def sync(*_: object) -> None:
        rounds.append("read")
        if len(rounds) == 1:
            raise fault

    monkeypatch.setattr(worker, "sync", sync)
    reader = worker.ReferenceReader(
        service="practices",
        references=None,  # type: ignore[arg-type]
        sessionmaker=None,  # type: ignore[arg-type]
        clients={},
        settings=TEST_COMMON_SETTINGS,
    )
    loop = asyncio.create_task(worker._references_loop([reader], interval=0.01))
    try:
        for _ in range(200):
            if len(rounds) >= 3:
                break
            await asyncio.sleep(0.01)
    finally:
        loop.cancel()
    assert len(rounds) >= 3
    assert "unreadable feed page" in caplog.text
