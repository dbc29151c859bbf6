"""Fixtures of the pledges tests: the app on each backend, and typed factories over the API."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.common.db import make_engine, make_sessionmaker
from services.pledges.app import create_app
from services.pledges.config import Settings
from services.pledges.demo import load_demo
from tests.conftest import TEST_COMMON_SETTINGS, auth_headers

SECRETARIAT = auth_headers("secretariat", sub="secretariat-1")


@dataclass
class Ledger:
    """The pledges app under test, its database URL, and factories that go through the API."""

    client: httpx.AsyncClient
    database_url: str

    async def rate(self, currency: str, on: str, rate: str) -> None:
        response = await self.client.post(
            "/v1/exchange-rates",
            json={"currency": currency, "rate_date": on, "rate_to_usd": rate, "source": "test"},
            headers=SECRETARIAT,
        )
        assert response.status_code == 201, response.text

    async def organisation(self, **fields: Any) -> dict[str, Any]:
        body = {"name": f"Org {uuid.uuid4().hex[:6]}", "kind": "state", **fields}
        response = await self.client.post("/v1/organisations", json=body, headers=SECRETARIAT)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def objective(self, **fields: Any) -> dict[str, Any]:
        body = {
            "country": "GTM",
            "pillar": "durable_solutions",
            "theme": "employment_livelihoods",
            "title": {"en": "Jobs"},
            "requirement": {"amount": "1000000", "currency": "USD"},
            "start_year": 2023,
            "end_year": 2025,
            **fields,
        }
        response = await self.client.post("/v1/objectives", json=body, headers=SECRETARIAT)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def pledge(self, contributor_id: str, **fields: Any) -> dict[str, Any]:
        body = {
            "contributor_id": contributor_id,
            "kind": "financial",
            "title": {"en": "Support"},
            "amount": {"amount": "1000", "currency": "USD"},
            "recipient_countries": ["GTM"],
            "announced_on": "2022-09-28",
            **fields,
        }
        response = await self.client.post("/v1/pledges", json=body, headers=SECRETARIAT)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def entry(
        self, pledge_id: str, entry_type: str, amount: str, currency: str = "USD", **fields: Any
    ) -> httpx.Response:
        body = {
            "entry_type": entry_type,
            "amount": {"amount": amount, "currency": currency},
            "value_date": "2023-01-15",
            "recipient_country": "GTM",
            **fields,
        }
        headers = fields.pop("headers", None) or SECRETARIAT
        body.pop("headers", None)
        return await self.client.post(
            f"/v1/pledges/{pledge_id}/entries", json=body, headers=headers
        )

    async def reversal(
        self, pledge_id: str, entry_id: str, value_date: str = "2023-02-01"
    ) -> httpx.Response:
        """A reversal of entry `entry_id`, recorded by the secretariat."""
        body = {"entry_type": "reversal", "reverses_entry_id": entry_id, "value_date": value_date}
        return await self.client.post(
            f"/v1/pledges/{pledge_id}/entries", json=body, headers=SECRETARIAT
        )


async def imported(
    ledger: Ledger,
    content: str | bytes,
    headers: dict[str, str] | None = None,
    *,
    dry_run: bool = False,
) -> dict[str, Any]:
    """POST /v1/imports (202), then poll the job until it has succeeded or failed."""
    headers = headers or {**SECRETARIAT, "Content-Type": "text/csv"}
    url = "/v1/imports?dry_run=true" if dry_run else "/v1/imports"
    response = await ledger.client.post(url, content=content, headers=headers)
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    assert job["state"] == "queued"
    for _ in range(3000):
        if job["state"] in ("succeeded", "failed"):
            return job
        await asyncio.sleep(0.01)
        polled = await ledger.client.get(f"/v1/imports/{job['id']}", headers=headers)
        assert polled.status_code == 200, polled.text
        job = polled.json()
    raise AssertionError(f"import job did not finish: {job}")


# The ledger's tests race many writers on one pledge's row lock, on a machine that may be
# busy: generous waits keep them about the ledger's rules. The production timeouts (a 503
# past them) are tested against a stalled database in tests/faults.
PATIENT_DATABASE = {"db_statement_timeout": 30.0, "db_pool_timeout": 30.0}


async def load_demo_data(database_url: str) -> None:
    """The demo data set loaded into a fresh ledger (it must not be loaded already)."""
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            assert await load_demo(session)
            await session.commit()
    finally:
        await engine.dispose()


def make_app(database_url: str) -> FastAPI:
    return create_app(
        Settings(database_url=database_url, mirps=TEST_COMMON_SETTINGS, **PATIENT_DATABASE)
    )


@pytest.fixture
async def ledger(
    database_url_for: Callable[[str], Awaitable[str]],
    run_app: Callable[[FastAPI], Awaitable[httpx.AsyncClient]],
) -> Ledger:
    url = await database_url_for("pledges")
    return Ledger(client=await run_app(make_app(url)), database_url=url)
