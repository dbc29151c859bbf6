"""`?updated_since=` on the main lists: only records created or changed at or after it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import auth_headers
from tests.events.conftest import event_body
from tests.gateway.conftest import make_service_app
from tests.practices.conftest import practice_body

RunApp = Callable[[FastAPI], Awaitable[httpx.AsyncClient]]
SECRETARIAT = auth_headers("secretariat", sub="secretariat-1")


async def pledge_body(client: httpx.AsyncClient) -> dict[str, Any]:
    organisation = await client.post(
        "/v1/organisations", json={"name": "Donor", "kind": "state"}, headers=SECRETARIAT
    )
    return {
        "contributor_id": organisation.json()["id"],
        "kind": "financial",
        "title": {"en": "Support"},
        "amount": {"amount": "1000", "currency": "USD"},
        "recipient_countries": ["GTM"],
        "announced_on": "2022-09-28",
    }


async def bodies(service: str, client: httpx.AsyncClient) -> dict[str, Any]:
    if service == "pledges":
        return await pledge_body(client)
    return event_body() if service == "events" else practice_body()


@pytest.mark.parametrize("service", ["pledges", "practices", "events"])
async def test_a_list_since_an_instant_holds_only_what_changed_from_then(
    service: str, database_url_for: Callable[[str], Awaitable[str]], run_app: RunApp
) -> None:
    client = await run_app(make_service_app(service, await database_url_for(service)))
    path = f"/v1/{service}"
    body = await bodies(service, client)
    old = await client.post(path, json=body, headers=SECRETARIAT)
    assert old.status_code == 201, old.text
    await asyncio.sleep(0.05)
    since = datetime.now(UTC)
    await asyncio.sleep(0.05)
    new = await client.post(path, json=body, headers=SECRETARIAT)
    assert new.status_code == 201, new.text

    listed = await client.get(
        path, params={"updated_since": since.isoformat()}, headers=SECRETARIAT
    )
    everything = await client.get(path, headers=SECRETARIAT)

    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [new.json()["id"]]
    assert len(everything.json()["items"]) == 2
    # In another offset, the same instant selects the same records.
    local = since.astimezone(timezone(timedelta(hours=-6))).isoformat()  # Central America
    again = await client.get(path, params={"updated_since": local}, headers=SECRETARIAT)
    assert [item["id"] for item in again.json()["items"]] == [new.json()["id"]]


@pytest.mark.parametrize("service", ["pledges", "practices", "events"])
# A bare number would be read as seconds since 1970; a year outside 1900-2200 as well.
@pytest.mark.parametrize(
    "value", ["2026-12-01T15:00:00", "yesterday", "0.5", "1700000000", "0001-01-01T00:00:00Z"]
)
async def test_an_instant_without_offset_or_malformed_is_a_422(
    service: str,
    value: str,
    database_url_for: Callable[[str], Awaitable[str]],
    run_app: RunApp,
) -> None:
    client = await run_app(make_service_app(service, await database_url_for(service)))

    response = await client.get(f"/v1/{service}", params={"updated_since": value})

    assert response.status_code == 422
    assert "updated_since" in response.text
