"""Idempotency-Key on creating POSTs: a retry replays the first response, never a second row."""

from __future__ import annotations

import httpx

from tests.events.conftest import SECRETARIAT, event_body, schedule


async def test_retrying_a_create_with_the_same_key_returns_the_first_event(
    client: httpx.AsyncClient,
) -> None:
    headers = {**SECRETARIAT, "Idempotency-Key": "create-le-1"}
    first = await client.post("/v1/events", json=event_body(), headers=headers)
    again = await client.post("/v1/events", json=event_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.headers["Location"] == f"/v1/events/{first.json()['id']}"
    listed = (await client.get("/v1/events", headers=SECRETARIAT)).json()["items"]
    assert len(listed) == 1


async def test_the_same_key_with_another_body_is_422(client: httpx.AsyncClient) -> None:
    headers = {**SECRETARIAT, "Idempotency-Key": "create-le-2"}
    assert (await client.post("/v1/events", json=event_body(), headers=headers)).status_code == 201
    other = await client.post("/v1/events", json=event_body(kind="workshop"), headers=headers)
    assert other.status_code == 422
    assert len((await client.get("/v1/events", headers=SECRETARIAT)).json()["items"]) == 1


async def test_a_retried_registration_takes_one_place(client: httpx.AsyncClient) -> None:
    created = await client.post("/v1/events", json=event_body(capacity=1), headers=SECRETARIAT)
    event_id = created.json()["id"]
    await schedule(client, event_id)
    headers = {**SECRETARIAT, "Idempotency-Key": "reg-ana"}
    body = {"name": "Ana", "email": "ana@example.org"}
    url = f"/v1/events/{event_id}/registrations"
    first = await client.post(url, json=body, headers=headers)
    again = await client.post(url, json=body, headers=headers)
    assert again.json() == first.json()
    assert again.json()["status"] == "registered"
    counts = (await client.get(f"{url}/counts")).json()
    assert (counts["registered"], counts["waitlisted"]) == (1, 0)


async def test_a_failed_create_does_not_burn_the_key(client: httpx.AsyncClient) -> None:
    headers = {**SECRETARIAT, "Idempotency-Key": "create-le-3"}
    first = await client.post("/v1/events", json=event_body(), headers=headers)
    assert first.status_code == 201
    clash = await client.post(
        "/v1/events?strict=true",
        json=event_body(),
        headers={**SECRETARIAT, "Idempotency-Key": "k4"},
    )
    assert clash.status_code == 409
    retry = await client.post(
        "/v1/events", json=event_body(), headers={**SECRETARIAT, "Idempotency-Key": "k4"}
    )
    assert retry.status_code == 201
    assert retry.json()["warnings"][0]["event_id"] == first.json()["id"]
