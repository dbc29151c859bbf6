"""Idempotency-Key on the creating POSTs: a retry never creates a second record."""

from __future__ import annotations

import httpx

from tests.practices.conftest import MEMBER_A, MEMBER_B, SECRETARIAT, practice_body
from tests.practices.test_inventory import item_body


async def test_retried_practice_creation_returns_the_first_response(
    client: httpx.AsyncClient,
) -> None:
    headers = {**MEMBER_A, "Idempotency-Key": "retry-1"}
    first = await client.post("/v1/practices", json=practice_body(), headers=headers)
    again = await client.post("/v1/practices", json=practice_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert (await client.get("/v1/practices", headers=SECRETARIAT)).json()["total"] == 1


async def test_same_key_with_another_body_is_422(client: httpx.AsyncClient) -> None:
    headers = {**MEMBER_A, "Idempotency-Key": "retry-2"}
    await client.post("/v1/practices", json=practice_body(), headers=headers)
    other = await client.post("/v1/practices", json=practice_body(country="HND"), headers=headers)
    assert other.status_code == 422
    assert (await client.get("/v1/practices", headers=SECRETARIAT)).json()["total"] == 1


async def test_keys_belong_to_their_caller(client: httpx.AsyncClient) -> None:
    await client.post(
        "/v1/practices", json=practice_body(), headers={**MEMBER_A, "Idempotency-Key": "k"}
    )
    await client.post(
        "/v1/practices", json=practice_body(), headers={**MEMBER_B, "Idempotency-Key": "k"}
    )
    assert (await client.get("/v1/practices", headers=SECRETARIAT)).json()["total"] == 2


async def test_a_refused_request_does_not_burn_the_key(client: httpx.AsyncClient) -> None:
    headers = {**MEMBER_A, "Idempotency-Key": "retry-3"}
    refused = await client.post("/v1/practices", json=practice_body(country="ESP"), headers=headers)
    assert refused.status_code == 422
    fixed = await client.post("/v1/practices", json=practice_body(), headers=headers)
    assert fixed.status_code == 201


async def test_retried_inventory_creation_creates_one_item(client: httpx.AsyncClient) -> None:
    headers = {**SECRETARIAT, "Idempotency-Key": "inv-1"}
    first = await client.post("/v1/inventory-items", json=item_body(), headers=headers)
    again = await client.post("/v1/inventory-items", json=item_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert len((await client.get("/v1/inventory-items")).json()["items"]) == 1
