"""Outcomes: recorded once an event is held, by whom, and listed across events."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import auth_headers
from tests.events.conftest import OTHER_MEMBER, SECRETARIAT, create_event, schedule

GTM_FOCAL_POINT = auth_headers("country_focal_point", countries=("GTM",), sub="gtm-fp")


async def held_event(client: httpx.AsyncClient, **overrides: Any) -> str:
    event = await create_event(client, **overrides)
    await schedule(client, event["id"])
    response = await client.post(f"/v1/events/{event['id']}/hold", headers=SECRETARIAT)
    assert response.status_code == 200
    return str(event["id"])


def outcome(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "policy_action",
        "country": "GTM",
        "description": {"es": "Guatemala adopta la ventanilla única de empleo."},
    }
    body.update(overrides)
    return body


async def test_outcomes_wait_until_the_event_is_held(client: httpx.AsyncClient) -> None:
    event = await create_event(client)
    await schedule(client, event["id"])
    early = await client.post(
        f"/v1/events/{event['id']}/outcomes", json=outcome(), headers=SECRETARIAT
    )
    assert early.status_code == 409


async def test_who_records_outcomes(client: httpx.AsyncClient) -> None:
    event_id = await held_event(client)
    url = f"/v1/events/{event_id}/outcomes"
    assert (await client.post(url, json=outcome())).status_code == 401
    assert (await client.post(url, json=outcome(), headers=OTHER_MEMBER)).status_code == 403
    other_country = await client.post(url, json=outcome(country="HND"), headers=GTM_FOCAL_POINT)
    assert other_country.status_code == 403
    own_country = await client.post(url, json=outcome(), headers=GTM_FOCAL_POINT)
    assert own_country.status_code == 201
    listed = (await client.get(url)).json()["items"]
    assert [item["id"] for item in listed] == [own_country.json()["id"]]


async def test_outcomes_across_events_filter_by_kind_country_status_and_year(
    client: httpx.AsyncClient,
) -> None:
    in_2022 = await held_event(
        client, starts_at="2022-12-06T10:00:00", ends_at="2022-12-06T12:00:00"
    )
    in_2023 = await held_event(client)
    pledge = "7d0c8c1e-1b2a-4c3d-9e8f-0a1b2c3d4e5f"
    made = {}
    for name, event_id, body in [
        ("takeaway", in_2022, outcome(kind="takeaway", country=None, status="done")),
        ("policy", in_2023, outcome()),
        ("money", in_2023, outcome(kind="resource_commitment", country="CRI", pledge_id=pledge)),
    ]:
        response = await client.post(
            f"/v1/events/{event_id}/outcomes", json=body, headers=SECRETARIAT
        )
        assert response.status_code == 201, response.text
        made[name] = response.json()
    assert made["money"]["pledge_id"] == pledge

    async def names(query: str) -> set[str]:
        response = await client.get(f"/v1/outcomes?{query}")
        assert response.status_code == 200, response.text
        ids = {item["id"] for item in response.json()["items"]}
        return {name for name, body in made.items() if body["id"] in ids}

    assert await names("") == {"takeaway", "policy", "money"}
    assert await names("year=2022") == {"takeaway"}
    assert await names("year=2023") == {"policy", "money"}
    assert await names("kind=resource_commitment") == {"money"}
    assert await names("country=GTM") == {"policy"}
    assert await names("status=done") == {"takeaway"}
    assert (await client.get("/v1/outcomes?kind=party")).status_code == 422


async def test_following_an_outcome_up_needs_if_match(client: httpx.AsyncClient) -> None:
    event_id = await held_event(client)
    created = await client.post(
        f"/v1/events/{event_id}/outcomes", json=outcome(), headers=SECRETARIAT
    )
    url = f"/v1/outcomes/{created.json()['id']}"
    etag = created.headers["ETag"]
    assert (
        await client.patch(url, json={"status": "done"}, headers=SECRETARIAT)
    ).status_code == 428
    done = await client.patch(
        url, json={"status": "done"}, headers={**SECRETARIAT, "If-Match": etag}
    )
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    stale = await client.patch(
        url, json={"status": "in_progress"}, headers={**SECRETARIAT, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert (await client.get(url)).json()["status"] == "done"
    forbidden = await client.patch(
        url, json={"status": "planned"}, headers={**OTHER_MEMBER, "If-Match": done.headers["ETag"]}
    )
    assert forbidden.status_code == 403
