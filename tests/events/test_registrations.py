"""Registrations: capacity, waitlist and promotion, one per e-mail, concurrency, privacy."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import auth_headers
from tests.events.conftest import HOST_MEMBER, OTHER_MEMBER, SECRETARIAT, create_event, schedule

CRI_MEMBER = auth_headers("member", org_id="org-cri", sub="cri-member")


def person(number: int, **extra: Any) -> dict[str, Any]:
    return {"name": f"Person {number}", "email": f"person{number}@example.org", **extra}


async def scheduled_event(client: httpx.AsyncClient, capacity: int | None) -> str:
    event = await create_event(client, capacity=capacity)
    await schedule(client, event["id"])
    return str(event["id"])


async def register(
    client: httpx.AsyncClient,
    event_id: str,
    body: dict[str, Any],
    headers: dict[str, str] = SECRETARIAT,
) -> httpx.Response:
    return await client.post(f"/v1/events/{event_id}/registrations", json=body, headers=headers)


async def counts(client: httpx.AsyncClient, event_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/events/{event_id}/registrations/counts")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_capacity_then_waitlist_then_promotion_on_cancellation(
    client: httpx.AsyncClient,
) -> None:
    event_id = await scheduled_event(client, capacity=2)
    statuses = []
    ids = []
    for number in range(4):
        response = await register(client, event_id, person(number))
        assert response.status_code == 201, response.text
        statuses.append(response.json()["status"])
        ids.append(response.json()["id"])
    assert statuses == ["registered", "registered", "waitlisted", "waitlisted"]
    assert await counts(client, event_id) == {
        "event_id": event_id,
        "capacity": 2,
        "places_left": 0,
        "registered": 2,
        "attended": 0,
        "waitlisted": 2,
        "cancelled": 0,
    }
    cancelled = await client.post(f"/v1/registrations/{ids[0]}/cancel", headers=SECRETARIAT)
    assert cancelled.json()["status"] == "cancelled"
    first_waiting = await client.get(f"/v1/registrations/{ids[2]}", headers=SECRETARIAT)
    assert first_waiting.json()["status"] == "registered"
    second_waiting = await client.get(f"/v1/registrations/{ids[3]}", headers=SECRETARIAT)
    assert second_waiting.json()["status"] == "waitlisted"
    again = await client.post(f"/v1/registrations/{ids[0]}/cancel", headers=SECRETARIAT)
    assert again.status_code == 409


async def test_raising_capacity_promotes_the_waitlist(client: httpx.AsyncClient) -> None:
    event_id = await scheduled_event(client, capacity=1)
    await register(client, event_id, person(1))
    waiting = (await register(client, event_id, person(2))).json()
    assert waiting["status"] == "waitlisted"
    url = f"/v1/events/{event_id}"
    etag = (await client.get(url)).headers["ETag"]
    response = await client.patch(
        url, json={"capacity": 2}, headers={**SECRETARIAT, "If-Match": etag}
    )
    assert response.status_code == 200
    assert (await client.get(f"/v1/registrations/{waiting['id']}", headers=SECRETARIAT)).json()[
        "status"
    ] == "registered"


async def test_one_registration_per_email_per_event(client: httpx.AsyncClient) -> None:
    event_id = await scheduled_event(client, capacity=None)
    assert (await register(client, event_id, person(1))).status_code == 201
    duplicate = await register(client, event_id, {"name": "Other", "email": "PERSON1@example.org"})
    assert duplicate.status_code == 409
    assert (await counts(client, event_id))["registered"] == 1


async def test_registration_is_closed_unless_scheduled(client: httpx.AsyncClient) -> None:
    event = await create_event(client)
    response = await register(client, event["id"], person(1))
    assert response.status_code == 409


async def test_concurrent_registrations_never_exceed_capacity(client: httpx.AsyncClient) -> None:
    event_id = await scheduled_event(client, capacity=5)
    responses = await asyncio.gather(*(register(client, event_id, person(n)) for n in range(20)))
    assert all(response.status_code == 201 for response in responses), [r.text for r in responses]
    statuses = sorted(response.json()["status"] for response in responses)
    assert statuses.count("registered") == 5
    assert statuses.count("waitlisted") == 15
    numbers = await counts(client, event_id)
    assert (numbers["registered"], numbers["waitlisted"]) == (5, 15)


async def test_concurrent_duplicates_register_once(client: httpx.AsyncClient) -> None:
    event_id = await scheduled_event(client, capacity=10)
    responses = await asyncio.gather(*(register(client, event_id, person(7)) for _ in range(6)))
    assert sorted(response.status_code for response in responses) == [201, 409, 409, 409, 409, 409]
    assert (await counts(client, event_id))["registered"] == 1


async def test_personal_data_is_visible_per_role(client: httpx.AsyncClient) -> None:
    event = await create_event(client, headers=HOST_MEMBER, capacity=10)
    await client.post(f"/v1/events/{event['id']}/schedule", headers=HOST_MEMBER)
    url = f"/v1/events/{event['id']}/registrations"
    own = await register(client, event["id"], person(1), headers=CRI_MEMBER)
    assert own.status_code == 201
    assert own.json()["organisation_id"] == "org-cri"
    await register(client, event["id"], person(2, organisation_id="org-mex"))

    # Anonymous callers get nothing personal, only counts.
    assert (await client.get(url)).status_code == 401
    assert (await client.get(f"/v1/registrations/{own.json()['id']}")).status_code == 401
    assert (await counts(client, event["id"]))["registered"] == 2

    def emails(response: httpx.Response) -> set[str]:
        assert response.status_code == 200, response.text
        return {item["email"] for item in response.json()["items"]}

    everyone = {"person1@example.org", "person2@example.org"}
    assert emails(await client.get(url, headers=SECRETARIAT)) == everyone
    assert emails(await client.get(url, headers=HOST_MEMBER)) == everyone
    assert emails(await client.get(url, headers=CRI_MEMBER)) == {"person1@example.org"}
    assert emails(await client.get(url, headers=OTHER_MEMBER)) == set()
    other = await client.get(f"/v1/registrations/{own.json()['id']}", headers=OTHER_MEMBER)
    assert other.status_code == 404


async def test_registrations_of_several_events_keep_each_events_personal_data_rules(
    client: httpx.AsyncClient,
) -> None:
    hosted = await create_event(client, headers=HOST_MEMBER, capacity=10)
    await client.post(f"/v1/events/{hosted['id']}/schedule", headers=HOST_MEMBER)
    foreign = str((await create_event(client, capacity=10, hosts=["org-gtm"]))["id"])
    await schedule(client, foreign)
    await register(client, hosted["id"], person(1), headers=CRI_MEMBER)
    await register(client, hosted["id"], person(2, organisation_id="org-mex"))
    await register(client, foreign, person(3), headers=CRI_MEMBER)
    await register(client, foreign, person(4, organisation_id="org-mex"))
    await register(client, foreign, person(5, organisation_id="org-usa"))
    url = f"/v1/registrations?event_id={hosted['id']},{foreign}"

    def emails(response: httpx.Response) -> set[str]:
        assert response.status_code == 200, response.text
        return {item["email"] for item in response.json()["items"]}

    async def one_by_one(headers: dict[str, str]) -> set[str]:
        found: set[str] = set()
        for event_id in (hosted["id"], foreign):
            found |= emails(
                await client.get(f"/v1/events/{event_id}/registrations", headers=headers)
            )
        return found

    assert (await client.get(url)).status_code == 401
    assert emails(await client.get(url, headers=SECRETARIAT)) == {
        f"person{number}@example.org" for number in range(1, 6)
    }
    # The host sees everything of its own event, of the other only its organisation's.
    assert emails(await client.get(url, headers=HOST_MEMBER)) == {
        "person1@example.org",
        "person2@example.org",
        "person5@example.org",
    }
    assert emails(await client.get(url, headers=CRI_MEMBER)) == {
        "person1@example.org",
        "person3@example.org",
    }
    assert emails(await client.get(url, headers=OTHER_MEMBER)) == set()
    for headers in (SECRETARIAT, HOST_MEMBER, CRI_MEMBER, OTHER_MEMBER):
        assert emails(await client.get(url, headers=headers)) == await one_by_one(headers)


async def test_members_register_only_their_own_organisation(client: httpx.AsyncClient) -> None:
    event_id = await scheduled_event(client, capacity=None)
    response = await register(
        client, event_id, person(1, organisation_id="org-mex"), headers=CRI_MEMBER
    )
    assert response.status_code == 403
    assert (await counts(client, event_id))["registered"] == 0


async def test_others_cannot_cancel_a_registration(client: httpx.AsyncClient) -> None:
    event_id = await scheduled_event(client, capacity=None)
    registration = (await register(client, event_id, person(1), headers=CRI_MEMBER)).json()
    response = await client.post(
        f"/v1/registrations/{registration['id']}/cancel", headers=OTHER_MEMBER
    )
    assert response.status_code == 404
    assert (await counts(client, event_id))["registered"] == 1


async def test_organisers_record_attendance(client: httpx.AsyncClient) -> None:
    event_id = await scheduled_event(client, capacity=None)
    registration = (await register(client, event_id, person(1), headers=CRI_MEMBER)).json()
    self_attend = await client.post(
        f"/v1/registrations/{registration['id']}/attend", headers=CRI_MEMBER
    )
    assert self_attend.status_code == 403
    await client.post(f"/v1/events/{event_id}/hold", headers=SECRETARIAT)
    attended = await client.post(
        f"/v1/registrations/{registration['id']}/attend", headers=SECRETARIAT
    )
    assert attended.json()["status"] == "attended"
    assert (await counts(client, event_id))["attended"] == 1
