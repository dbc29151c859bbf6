"""The events change feed: proposals to their hosts, cancellations as tombstones, and
registrations without names or e-mails."""

from __future__ import annotations

from typing import Any

import httpx

from tests.events.conftest import HOST_MEMBER, OTHER_MEMBER, SECRETARIAT, create_event, schedule


async def events(client: httpx.AsyncClient, headers: dict[str, str]) -> list[Any]:
    response = await client.get("/v1/changes", headers=headers)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def test_a_proposal_reaches_its_hosts_only_until_scheduled(
    client: httpx.AsyncClient,
) -> None:
    event = await create_event(client)
    assert [e["type"] for e in await events(client, HOST_MEMBER)] == ["org.mirps.event.created"]
    assert await events(client, OTHER_MEMBER) == []
    assert await events(client, {}) == []
    await schedule(client, event["id"])
    assert [e["type"] for e in await events(client, {})] == ["org.mirps.event.scheduled"]


async def test_cancellation_is_a_tombstone_and_rescheduling_says_so(
    client: httpx.AsyncClient,
) -> None:
    event = await create_event(client)
    scheduled = await schedule(client, event["id"])
    moved = await client.patch(
        f"/v1/events/{event['id']}",
        json={"starts_at": "2023-05-17T10:00:00", "ends_at": "2023-05-17T12:00:00"},
        headers={**SECRETARIAT, "If-Match": f'"{scheduled["version"]}"'},
    )
    assert moved.status_code == 200, moved.text
    cancelled = await client.post(
        f"/v1/events/{event['id']}/cancel", json={"reason": "storm"}, headers=SECRETARIAT
    )
    assert cancelled.status_code == 200, cancelled.text
    public = await events(client, {})
    assert [e["type"] for e in public] == [
        "org.mirps.event.scheduled",
        "org.mirps.event.rescheduled",
        "org.mirps.event.cancelled",
    ]
    assert public[-1]["data"]["tombstone"] is True


async def test_registrations_carry_no_personal_data(client: httpx.AsyncClient) -> None:
    event = await create_event(client)
    await schedule(client, event["id"])
    body = {"name": "Lucía Pérez", "email": "lucia@example.org"}
    response = await client.post(
        f"/v1/events/{event['id']}/registrations", json=body, headers=OTHER_MEMBER
    )
    assert response.status_code == 201, response.text
    registration = response.json()
    for headers in (SECRETARIAT, HOST_MEMBER, OTHER_MEMBER):
        items = await events(client, headers)
        assert items[-1]["type"] == "org.mirps.registration.created"
        assert items[-1]["data"] == {
            "id": registration["id"],
            "event_id": event["id"],
            "status": "registered",
        }
        assert "lucia" not in str(items).lower()
    assert "org.mirps.registration.created" not in [e["type"] for e in await events(client, {})]
