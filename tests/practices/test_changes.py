"""The practices change feed: drafts only to who may see them, archiving a tombstone."""

from __future__ import annotations

from typing import Any

import httpx

from tests.practices.conftest import (
    FOCAL_GTM,
    FOCAL_HND,
    MEMBER_A,
    MEMBER_B,
    SECRETARIAT,
    create_practice,
    published_practice,
)


async def events(client: httpx.AsyncClient, headers: dict[str, str], after: int = 0) -> list[Any]:
    response = await client.get("/v1/changes", params={"after": after}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


def seen(items: list[Any]) -> list[tuple[str, str]]:
    return [(item["type"], item["subject"]) for item in items]


async def test_drafts_reach_only_their_authors_and_the_secretariat(
    client: httpx.AsyncClient,
) -> None:
    draft = await create_practice(client)
    created = ("org.mirps.practice.created", f"practices/{draft['id']}")
    for headers in (MEMBER_A, FOCAL_GTM, SECRETARIAT):
        assert created in seen(await events(client, headers))
    for headers in ({}, MEMBER_B, FOCAL_HND):
        assert created not in seen(await events(client, headers))


async def test_publication_is_public_and_archiving_is_a_public_tombstone(
    client: httpx.AsyncClient,
) -> None:
    practice = await published_practice(client)
    subject = f"practices/{practice['id']}"
    archived = await client.post(f"/v1/practices/{practice['id']}/archive", headers=SECRETARIAT)
    assert archived.status_code == 200, archived.text
    public = await events(client, {})
    assert seen(public) == [
        ("org.mirps.practice.published", subject),
        ("org.mirps.practice.archived", subject),
    ]
    assert public[-1]["data"]["tombstone"] is True
    # Personal data (contacts) never travels in events.
    assert "ana@example.org" not in str(await events(client, SECRETARIAT))


async def test_each_workflow_step_is_one_event(client: httpx.AsyncClient) -> None:
    practice = await published_practice(client)
    assert [t for t, _ in seen(await events(client, SECRETARIAT))] == [
        "org.mirps.practice.created",
        "org.mirps.practice.submitted",
        "org.mirps.practice.published",
    ]
    assert practice["status"] == "published"


async def test_inventory_deletion_is_a_tombstone(client: httpx.AsyncClient) -> None:
    body = {
        "country": "GTM",
        "kind": "gap",
        "theme": "employment_livelihoods",
        "title": {"es": "Falta de empleo"},
        "severity": "high",
        "as_of_date": "2023-01-01",
    }
    created = await client.post("/v1/inventory-items", json=body, headers=FOCAL_GTM)
    assert created.status_code == 201, created.text
    item = created.json()
    deleted = await client.delete(f"/v1/inventory-items/{item['id']}", headers=FOCAL_GTM)
    assert deleted.status_code == 204, deleted.text
    items = await events(client, {})
    assert [(i["type"], i["data"].get("tombstone")) for i in items] == [
        ("org.mirps.inventory_item.created", None),
        ("org.mirps.inventory_item.deleted", True),
    ]
