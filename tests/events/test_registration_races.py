"""PostgreSQL: a registration racing a cancellation or a capacity cut reads the locked row.

The registration reads the event (scheduled, capacity 3) before the other request commits,
then waits for the row lock. These tests force that interleaving: an outside transaction
holds the event row while the cancellation (or the capacity cut) queues on it, then the
registration queues behind it; releasing the row lets them run in that order. Reading the
locked row afresh (`lock_event` with populate_existing) is what makes the registration see
the committed cancellation or capacity instead of the copy it read first.

SQLite needs no such test: every transaction starts with BEGIN IMMEDIATE, so a writer's
first read already happens under the database's write lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common.db import make_engine
from tests.events.conftest import SECRETARIAT
from tests.events.test_registrations import counts, person, register, scheduled_event

Request = Callable[[], Awaitable[httpx.Response]]


async def _waiting_on_locks(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        waiting = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return int(waiting or 0)


async def _until_waiting(engine: AsyncEngine, expected: int) -> None:
    for _ in range(500):
        if await _waiting_on_locks(engine) >= expected:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {expected} requests waiting on the event row")


async def _in_order_behind_a_held_row(
    events_url: str, event_id: str, first: Request, second: Request
) -> tuple[httpx.Response, httpx.Response]:
    """Run `first` then `second`, both queued on the event row an outside transaction holds."""
    engine = make_engine(events_url)
    try:
        holder: AsyncConnection = await engine.connect()
        transaction = await holder.begin()
        await holder.execute(
            text("SELECT id FROM events WHERE id = :id FOR UPDATE"), {"id": event_id}
        )
        first_task = asyncio.create_task(first())
        await _until_waiting(engine, 1)
        second_task = asyncio.create_task(second())
        await _until_waiting(engine, 2)
        await transaction.rollback()
        await holder.close()
        return await first_task, await second_task
    finally:
        await engine.dispose()


@pytest.fixture
def postgresql_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no such interleaving")


@pytest.mark.usefixtures("postgresql_only")
async def test_a_registration_queued_behind_a_cancellation_is_refused(
    client: httpx.AsyncClient, events_url: str
) -> None:
    event_id = await scheduled_event(client, capacity=3)

    async def cancel() -> httpx.Response:
        return await client.post(
            f"/v1/events/{event_id}/cancel", json={"reason": "Storm."}, headers=SECRETARIAT
        )

    async def late_registration() -> httpx.Response:
        return await register(client, event_id, person(1))

    cancelled, registration = await _in_order_behind_a_held_row(
        events_url, event_id, cancel, late_registration
    )
    assert cancelled.status_code == 200, cancelled.text
    assert registration.status_code == 409, registration.text
    assert registration.json()["current_status"] == "cancelled"
    numbers: dict[str, Any] = await counts(client, event_id)
    assert numbers["registered"] == numbers["waitlisted"] == 0


@pytest.mark.usefixtures("postgresql_only")
async def test_a_registration_queued_behind_a_capacity_cut_gets_no_place_beyond_it(
    client: httpx.AsyncClient, events_url: str
) -> None:
    event_id = await scheduled_event(client, capacity=3)
    assert (await register(client, event_id, person(0))).json()["status"] == "registered"
    current = await client.get(f"/v1/events/{event_id}", headers=SECRETARIAT)

    async def cut_capacity() -> httpx.Response:
        return await client.patch(
            f"/v1/events/{event_id}",
            json={"capacity": 1},
            headers={**SECRETARIAT, "If-Match": current.headers["ETag"]},
        )

    async def late_registration() -> httpx.Response:
        return await register(client, event_id, person(1))

    cut, registration = await _in_order_behind_a_held_row(
        events_url, event_id, cut_capacity, late_registration
    )
    assert cut.status_code == 200, cut.text
    assert registration.status_code == 201, registration.text
    assert registration.json()["status"] == "waitlisted"
    numbers = await counts(client, event_id)
    assert (numbers["capacity"], numbers["registered"], numbers["waitlisted"]) == (1, 1, 1)
