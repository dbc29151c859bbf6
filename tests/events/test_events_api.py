"""Events: creation, validation, authorisation, ETag/If-Match, transitions, filters."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import auth_headers
from tests.events.conftest import (
    HOST_MEMBER,
    HOST_ORG,
    OTHER_MEMBER,
    SECRETARIAT,
    create_event,
    event_body,
    schedule,
)


async def test_local_times_are_stored_in_utc_with_their_zone(client: httpx.AsyncClient) -> None:
    event = await create_event(
        client,
        starts_at="2023-03-14T10:00:00",
        ends_at="2023-03-14T11:00:00",
        timezone="America/Mexico_City",
    )
    assert event["starts_at"] == "2023-03-14T10:00:00-06:00"
    assert event["starts_at_utc"] == "2023-03-14T16:00:00Z"
    assert event["timezone"] == "America/Mexico_City"
    assert event["status"] == "proposed"


async def test_unknown_zone_and_backwards_times_are_422_and_write_nothing(
    client: httpx.AsyncClient,
) -> None:
    bad_zone = await client.post(
        "/v1/events", json=event_body(timezone="America/Atlantis"), headers=SECRETARIAT
    )
    assert bad_zone.status_code == 422
    assert "America/Atlantis" in bad_zone.json()["detail"]
    backwards = await client.post(
        "/v1/events",
        json=event_body(starts_at="2023-05-16T12:00:00", ends_at="2023-05-16T10:00:00"),
        headers=SECRETARIAT,
    )
    assert backwards.status_code == 422
    in_person_without_country = await client.post(
        "/v1/events", json=event_body(mode="in_person"), headers=SECRETARIAT
    )
    assert in_person_without_country.status_code == 422
    listed = await client.get("/v1/events", headers=SECRETARIAT)
    assert listed.json()["items"] == []


async def test_a_skipped_local_time_is_refused(client: httpx.AsyncClient) -> None:
    # Tijuana's clocks jump from 02:00 to 03:00 on 12 March 2023.
    response = await client.post(
        "/v1/events",
        json=event_body(
            starts_at="2023-03-12T02:30:00",
            ends_at="2023-03-12T04:00:00",
            timezone="America/Tijuana",
        ),
        headers=SECRETARIAT,
    )
    assert response.status_code == 422
    assert "does not exist" in response.json()["detail"]


async def test_who_may_propose_events(client: httpx.AsyncClient) -> None:
    anonymous = await client.post("/v1/events", json=event_body())
    assert anonymous.status_code == 401
    focal_point = await client.post(
        "/v1/events",
        json=event_body(),
        headers=auth_headers("country_focal_point", countries=("PAN",)),
    )
    assert focal_point.status_code == 403
    not_a_host = await client.post("/v1/events", json=event_body(), headers=OTHER_MEMBER)
    assert not_a_host.status_code == 403
    host = await client.post("/v1/events", json=event_body(), headers=HOST_MEMBER)
    assert host.status_code == 201


async def test_proposed_events_are_drafts_hidden_from_the_public(client: httpx.AsyncClient) -> None:
    event = await create_event(client)
    assert (await client.get(f"/v1/events/{event['id']}")).status_code == 404
    assert (await client.get(f"/v1/events/{event['id']}", headers=OTHER_MEMBER)).status_code == 404
    assert (await client.get(f"/v1/events/{event['id']}", headers=HOST_MEMBER)).status_code == 200
    assert (await client.get("/v1/events")).json()["items"] == []
    await schedule(client, event["id"])
    public = await client.get(f"/v1/events/{event['id']}")
    assert public.status_code == 200
    assert public.json()["status"] == "scheduled"


async def test_update_needs_if_match_and_a_stale_etag_is_412(client: httpx.AsyncClient) -> None:
    event = await create_event(client)
    url = f"/v1/events/{event['id']}"
    read = await client.get(url, headers=SECRETARIAT)
    etag = read.headers["ETag"]
    change = {"title": {"es": "Nuevo título"}}
    assert (await client.patch(url, json=change, headers=SECRETARIAT)).status_code == 428
    first = await client.patch(url, json=change, headers={**SECRETARIAT, "If-Match": etag})
    assert first.status_code == 200
    assert first.headers["ETag"] != etag
    stale = await client.patch(
        url, json={"title": {"es": "Otro"}}, headers={**SECRETARIAT, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert (await client.get(url, headers=SECRETARIAT)).json()["title"]["es"] == "Nuevo título"


async def test_other_organisations_cannot_edit_an_event(client: httpx.AsyncClient) -> None:
    event = await create_event(client)
    await schedule(client, event["id"])
    url = f"/v1/events/{event['id']}"
    etag = (await client.get(url)).headers["ETag"]
    response = await client.patch(
        url, json={"title": {"es": "Hackeado"}}, headers={**OTHER_MEMBER, "If-Match": etag}
    )
    assert response.status_code == 403
    cancel = await client.post(f"{url}/cancel", json={"reason": "x"}, headers=OTHER_MEMBER)
    assert cancel.status_code == 403
    after = (await client.get(url)).json()
    assert after["title"]["es"] == "Evento de aprendizaje"
    assert after["status"] == "scheduled"


async def test_a_host_member_organises_the_event(client: httpx.AsyncClient) -> None:
    event = await create_event(client, headers=HOST_MEMBER)
    url = f"/v1/events/{event['id']}"
    assert (await client.post(f"{url}/schedule", headers=HOST_MEMBER)).status_code == 200
    etag = (await client.get(url)).headers["ETag"]
    moved = await client.patch(
        url,
        json={"starts_at": "2023-05-17T10:00:00", "ends_at": "2023-05-17T12:00:00"},
        headers={**HOST_MEMBER, "If-Match": etag},
    )
    assert moved.status_code == 200
    assert moved.json()["starts_at"] == "2023-05-17T10:00:00-05:00"


async def test_status_follows_its_transitions_and_invalid_ones_are_409(
    client: httpx.AsyncClient,
) -> None:
    event = await create_event(client)
    url = f"/v1/events/{event['id']}"
    assert (await client.post(f"{url}/hold", headers=SECRETARIAT)).status_code == 409
    assert (await client.post(f"{url}/report", headers=SECRETARIAT)).status_code == 409
    assert (await client.post(f"{url}/schedule", headers=SECRETARIAT)).json()[
        "status"
    ] == "scheduled"
    again = await client.post(f"{url}/schedule", headers=SECRETARIAT)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert (await client.post(f"{url}/hold", headers=SECRETARIAT)).json()["status"] == "held"
    late_cancel = await client.post(f"{url}/cancel", json={"reason": "late"}, headers=SECRETARIAT)
    assert late_cancel.status_code == 409
    assert (await client.post(f"{url}/report", headers=SECRETARIAT)).json()["status"] == "reported"


async def test_cancellation_keeps_its_reason_and_needs_one(client: httpx.AsyncClient) -> None:
    event = await create_event(client)
    url = f"/v1/events/{event['id']}"
    no_reason = await client.post(f"{url}/cancel", json={}, headers=SECRETARIAT)
    assert no_reason.status_code == 422
    cancelled = await client.post(
        f"{url}/cancel", json={"reason": "Merged with the annual meeting"}, headers=SECRETARIAT
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancellation_reason"] == "Merged with the annual meeting"
    assert (await client.post(f"{url}/schedule", headers=SECRETARIAT)).status_code == 409


async def test_filters_and_batch_read(client: httpx.AsyncClient) -> None:
    workshop = await create_event(
        client,
        kind="workshop",
        themes=["education"],
        mode="in_person",
        location={"city": "San José", "country": "CRI"},
        featured_practice_ids=["practice-42"],
    )
    meeting = await create_event(
        client,
        kind="sp_quarterly_meeting",
        starts_at="2023-09-05T10:00:00",
        ends_at="2023-09-05T12:00:00",
        countries=["MEX"],
    )
    for event in (workshop, meeting):
        await schedule(client, event["id"])

    async def ids(query: str) -> set[str]:
        response = await client.get(f"/v1/events?{query}")
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert await ids("kind=workshop") == {workshop["id"]}
    assert await ids("theme=education") == {workshop["id"]}
    assert await ids("country=CRI") == {workshop["id"]}
    assert await ids("country=MEX,CRI") == {workshop["id"], meeting["id"]}
    assert await ids("from=2023-06-01&to=2023-12-31") == {meeting["id"]}
    assert await ids("status=scheduled") == {workshop["id"], meeting["id"]}
    assert await ids("status=held") == set()
    assert await ids("featured_practice_id=practice-42") == {workshop["id"]}
    unknown = "7d0c8c1e-1b2a-4c3d-9e8f-0a1b2c3d4e5f"
    assert await ids(f"ids={meeting['id']},{unknown}") == {meeting["id"]}
    assert (await client.get("/v1/events?kind=party")).status_code == 422
    assert (await client.get("/v1/events?country=XXX")).status_code == 422
    assert (await client.get("/v1/events?limit=1000")).status_code == 422


async def test_pagination_walks_every_event_once(client: httpx.AsyncClient) -> None:
    created = set()
    for day in range(1, 6):
        event = await create_event(
            client, starts_at=f"2023-06-0{day}T10:00:00", ends_at=f"2023-06-0{day}T11:00:00"
        )
        created.add(event["id"])
    seen: list[str] = []
    cursor = None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(f"/v1/events?{query}", headers=SECRETARIAT)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5
    assert set(seen) == created


async def test_sequence_bumps_on_time_place_and_status_only(client: httpx.AsyncClient) -> None:
    event = await create_event(client)
    url = f"/v1/events/{event['id']}"
    assert event["sequence"] == 0

    async def patch(change: dict[str, object]) -> dict[str, object]:
        etag = (await client.get(url, headers=SECRETARIAT)).headers["ETag"]
        response = await client.patch(url, json=change, headers={**SECRETARIAT, "If-Match": etag})
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    assert (await patch({"title": {"es": "Solo el título"}}))["sequence"] == 0
    assert (await patch({"starts_at": "2023-05-16T09:00:00"}))["sequence"] == 1
    assert (await patch({"online_url": "https://meet.example.org/new"}))["sequence"] == 2
    assert (await schedule(client, event["id"]))["sequence"] == 3
    assert HOST_ORG in event["hosts"]


async def test_openapi_documents_every_operation_with_examples_and_errors(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]

    def has_example(content: dict[str, Any]) -> bool:
        if "example" in content or "examples" in content:
            return True
        schema = content.get("schema", {})
        schema = schema.get("items", schema) if schema.get("type") == "array" else schema
        if "$ref" not in schema:
            return False
        return "example" in schemas[schema["$ref"].split("/")[-1]]

    for path, operations in document["paths"].items():
        if not path.startswith("/v1"):
            continue
        for method, operation in operations.items():
            assert operation.get("description"), (method, path)
            errors = [code for code in operation["responses"] if code.startswith("4")]
            assert errors, (method, path)
            success = operation["responses"].get("200") or operation["responses"].get("201")
            if success is None:  # a 204 (removing a document) has no body to show
                assert "204" in operation["responses"], (method, path)
                continue
            assert any(has_example(c) for c in success["content"].values()), (method, path)
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            assert body is None or has_example(body), (method, path)


async def test_a_new_location_replaces_the_old_country_and_keeps_the_others(
    client: httpx.AsyncClient,
) -> None:
    event = await create_event(
        client,
        mode="in_person",
        location={"city": "Guatemala", "country": "GTM"},
        countries=["HND"],
    )
    assert event["countries"] == ["GTM", "HND"]
    url = f"/v1/events/{event['id']}"
    etag = (await client.get(url, headers=SECRETARIAT)).headers["ETag"]
    moved = await client.patch(
        url,
        json={"location": {"city": "San Salvador", "country": "SLV"}},
        headers={**SECRETARIAT, "If-Match": etag},
    )
    assert moved.status_code == 200, moved.text
    assert sorted(moved.json()["countries"]) == ["HND", "SLV"]
    assert moved.json()["sequence"] == 1


async def test_a_batch_read_answers_in_one_page(client: httpx.AsyncClient) -> None:
    ids = []
    for day in range(10, 13):
        event = await create_event(
            client, starts_at=f"2023-06-{day}T10:00:00", ends_at=f"2023-06-{day}T11:00:00"
        )
        ids.append(event["id"])
    page = (await client.get(f"/v1/events?ids={','.join(ids)}&limit=1", headers=SECRETARIAT)).json()
    assert {item["id"] for item in page["items"]} == set(ids)
    assert page["next_cursor"] is None
    assert (await client.get("/v1/events?ids=not-a-uuid")).status_code == 422


async def test_a_patch_ending_before_it_starts_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    event = await create_event(client)
    url = f"/v1/events/{event['id']}"
    etag = (await client.get(url, headers=SECRETARIAT)).headers["ETag"]
    response = await client.patch(
        url, json={"starts_at": "2023-05-16T14:00:00"}, headers={**SECRETARIAT, "If-Match": etag}
    )
    assert response.status_code == 422
    after = (await client.get(url, headers=SECRETARIAT)).json()
    assert after["starts_at"] == event["starts_at"]
    assert after["sequence"] == 0
    virtual_without_link = await client.patch(
        url, json={"online_url": None}, headers={**SECRETARIAT, "If-Match": etag}
    )
    assert virtual_without_link.status_code == 422
