"""Inventory items: who writes them, what the public sees, gaps and their severity."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.practices.conftest import FOCAL_GTM, FOCAL_HND, MEMBER_A, SECRETARIAT


def item_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "country": "GTM",
        "theme": "education",
        "kind": "gap",
        "title": {"es": "Sin validación de estudios", "en": "No recognition of schooling"},
        "populations": ["refugees"],
        "severity": "high",
        "source_organisation": {"id": "org-mineduc", "name": "Ministerio de Educación"},
        "as_of_date": "2026-06-30",
        "contacts": [{"name": "Luis Pérez", "email": "luis@example.org"}],
    }
    body.update(overrides)
    return body


async def create_item(
    client: httpx.AsyncClient, headers: dict[str, str] | None = None, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/inventory-items", json=item_body(**overrides), headers=headers or FOCAL_GTM
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_focal_point_records_a_gap_of_their_country(client: httpx.AsyncClient) -> None:
    item = await create_item(client)
    assert item["kind"] == "gap"
    assert item["severity"] == "high"
    assert item["as_of_date"] == "2026-06-30"
    assert item["source_organisation"] == {"id": "org-mineduc", "name": "Ministerio de Educación"}


@pytest.mark.parametrize("headers", [FOCAL_HND, MEMBER_A])
async def test_others_cannot_write_a_countrys_inventory(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    refused = await client.post("/v1/inventory-items", json=item_body(), headers=headers)
    assert refused.status_code == 403
    item = await create_item(client)
    edit = await client.patch(
        f"/v1/inventory-items/{item['id']}",
        json={"severity": "low"},
        headers={**headers, "If-Match": f'"{item["version"]}"'},
    )
    assert edit.status_code == 403
    delete = await client.delete(f"/v1/inventory-items/{item['id']}", headers=headers)
    assert delete.status_code == 403
    unchanged = (await client.get(f"/v1/inventory-items/{item['id']}")).json()
    assert unchanged["severity"] == "high"
    listing = (await client.get("/v1/inventory-items")).json()
    assert len(listing["items"]) == 1


async def test_focal_point_cannot_move_an_item_to_another_country(
    client: httpx.AsyncClient,
) -> None:
    item = await create_item(client)
    moved = await client.patch(
        f"/v1/inventory-items/{item['id']}",
        json={"country": "HND"},
        headers={**FOCAL_GTM, "If-Match": f'"{item["version"]}"'},
    )
    assert moved.status_code == 403
    assert (await client.get(f"/v1/inventory-items/{item['id']}")).json()["country"] == "GTM"


async def test_secretariat_writes_any_country(client: httpx.AsyncClient) -> None:
    item = await create_item(client, SECRETARIAT, country="PAN", kind="service", severity=None)
    assert item["country"] == "PAN"


async def test_gaps_are_public_contacts_are_not(client: httpx.AsyncClient) -> None:
    item = await create_item(client)
    public = (await client.get(f"/v1/inventory-items/{item['id']}")).json()
    assert public["title"]["es"] == "Sin validación de estudios"
    assert public["contacts"] is None
    listed = (await client.get("/v1/inventory-items", params={"kind": "gap"})).json()
    assert listed["items"][0]["contacts"] is None
    signed_in = (await client.get(f"/v1/inventory-items/{item['id']}", headers=MEMBER_A)).json()
    assert signed_in["contacts"][0]["name"] == "Luis Pérez"


@pytest.mark.parametrize(
    "overrides",
    [
        {"severity": None},  # a gap without severity
        {"kind": "service"},  # a service with a severity
        {"country": "ESP"},  # the inventory is of MIRPS countries
        {"theme": "astrology"},
        {"kind": "wish"},
        {"as_of_date": "30/06/2026"},
    ],
)
async def test_invalid_items_are_422_and_not_stored(
    client: httpx.AsyncClient, overrides: dict[str, Any]
) -> None:
    response = await client.post(
        "/v1/inventory-items", json=item_body(**overrides), headers=SECRETARIAT
    )
    assert response.status_code == 422
    assert (await client.get("/v1/inventory-items")).json()["items"] == []


async def test_stale_inventory_edit_is_412(client: httpx.AsyncClient) -> None:
    item = await create_item(client)
    etag = f'"{item["version"]}"'
    first = await client.patch(
        f"/v1/inventory-items/{item['id']}",
        json={"severity": "critical"},
        headers={**FOCAL_GTM, "If-Match": etag},
    )
    assert first.status_code == 200
    stale = await client.patch(
        f"/v1/inventory-items/{item['id']}",
        json={"severity": "low"},
        headers={**FOCAL_GTM, "If-Match": etag},
    )
    assert stale.status_code == 412
    assert (await client.get(f"/v1/inventory-items/{item['id']}")).json()["severity"] == "critical"


async def test_inventory_filters_and_batch_read(client: httpx.AsyncClient) -> None:
    gap = await create_item(client)
    service = await create_item(
        client, kind="service", severity=None, theme="health", title={"es": "Clínica móvil"}
    )
    await create_item(client, FOCAL_HND, country="HND")
    by_country = (await client.get("/v1/inventory-items", params={"country": "GTM"})).json()
    assert {i["id"] for i in by_country["items"]} == {gap["id"], service["id"]}
    by_theme = (await client.get("/v1/inventory-items", params={"theme": "health"})).json()
    assert [i["id"] for i in by_theme["items"]] == [service["id"]]
    batch = (
        await client.get("/v1/inventory-items", params={"ids": f"{gap['id']},{service['id']}"})
    ).json()
    assert {i["id"] for i in batch["items"]} == {gap["id"], service["id"]}
    page1 = (await client.get("/v1/inventory-items", params={"limit": 2})).json()
    page2 = (
        await client.get("/v1/inventory-items", params={"limit": 2, "cursor": page1["next_cursor"]})
    ).json()
    assert len(page1["items"]) == 2
    assert len(page2["items"]) == 1
    assert page2["next_cursor"] is None


async def test_delete_removes_the_item(client: httpx.AsyncClient) -> None:
    item = await create_item(client)
    assert (
        await client.delete(f"/v1/inventory-items/{item['id']}", headers=FOCAL_GTM)
    ).status_code == 204
    assert (await client.get(f"/v1/inventory-items/{item['id']}")).status_code == 404
