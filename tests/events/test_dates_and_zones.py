"""Events: bounded dates, `from`/`to` in a zone, ambiguous local times, local years, versions."""

from __future__ import annotations

import httpx

from tests.events.conftest import SECRETARIAT, create_event, event_body
from tests.events.test_outcomes import held_event, outcome


def _names(response: httpx.Response, field: str) -> bool:
    return response.status_code == 422 and field in response.text


async def test_dates_outside_the_supported_years_are_422_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    create = await client.post(
        "/v1/events",
        json=event_body(starts_at="0001-01-02T10:00:00", ends_at="0001-01-02T12:00:00"),
        headers=SECRETARIAT,
    )
    assert _names(create, "starts_at"), create.text
    far_future = await client.post(
        "/v1/events",
        json=event_body(starts_at="9999-12-31T10:00:00", ends_at="9999-12-31T12:00:00"),
        headers=SECRETARIAT,
    )
    assert _names(far_future, "ends_at"), far_future.text
    listed = await client.get("/v1/events", params={"from": "0001-01-01T00:00:00Z"})
    assert _names(listed, "from"), listed.text
    feed = await client.get("/v1/calendar.ics", params={"to": "9999-12-31T23:59:59Z"})
    assert _names(feed, "to"), feed.text
    conflicts = await client.get(
        "/v1/schedule/conflicts",
        params={
            "starts_at": "0001-01-01T00:00:00",
            "ends_at": "0001-01-01T02:00:00",
            "timezone": "UTC",
        },
    )
    assert _names(conflicts, "starts_at"), conflicts.text
    suggestions = await client.post(
        "/v1/schedule/suggestions",
        json={
            "duration_minutes": 60,
            "window_start": "9999-12-30",
            "window_end": "9999-12-30",
            "timezone": "Pacific/Kiritimati",
            "weekdays": [0, 1, 2, 3, 4, 5, 6],
        },
    )
    assert _names(suggestions, "window_start"), suggestions.text
    assert (await client.get("/v1/events", headers=SECRETARIAT)).json()["items"] == []


async def test_the_edges_of_the_supported_years_are_accepted(client: httpx.AsyncClient) -> None:
    early = await create_event(
        client,
        starts_at="1900-01-01T00:30:00",
        ends_at="1900-01-01T02:00:00",
        timezone="Pacific/Kiritimati",
    )
    late = await create_event(
        client,
        starts_at="2200-12-31T20:00:00",
        ends_at="2200-12-31T23:00:00",
        timezone="Pacific/Pago_Pago",
    )
    listed = await client.get(
        "/v1/events", params={"from": "1900-01-01T00:00:00", "to": "2200-12-31T23:59:59"}
    )
    assert listed.status_code == 200, listed.text
    suggestions = await client.post(
        "/v1/schedule/suggestions",
        json={
            "duration_minutes": 60,
            "window_start": "2200-12-30",
            "window_end": "2200-12-31",
            "timezone": "Pacific/Kiritimati",
            "weekdays": [0, 1, 2, 3, 4, 5, 6],
        },
    )
    assert suggestions.status_code == 200, suggestions.text
    assert early["id"] != late["id"]


async def test_from_and_to_without_offset_are_local_in_the_given_zone(
    client: httpx.AsyncClient,
) -> None:
    # 10:00-12:00 in Panama (UTC-5) is 15:00-17:00 UTC.
    event = await create_event(
        client, starts_at="2023-05-16T10:00:00", ends_at="2023-05-16T12:00:00"
    )
    await client.post(f"/v1/events/{event['id']}/schedule", headers=SECRETARIAT)

    async def found(path: str, **params: str) -> bool:
        response = await client.get(path, params=params, headers=SECRETARIAT)
        assert response.status_code == 200, response.text
        if path.endswith(".ics"):
            return event["id"] in response.text
        return [item["id"] for item in response.json()["items"]] == [event["id"]]

    for path in ("/v1/events", "/v1/calendar.ics"):
        # 12:30 read as UTC is before the end (17:00 UTC); read in Panama it is after it.
        assert await found(path, **{"from": "2023-05-16T12:30:00"})
        assert not await found(path, **{"from": "2023-05-16T12:30:00"}, timezone="America/Panama")
        assert await found(path, **{"from": "2023-05-16T11:30:00"}, timezone="America/Panama")
        # 09:30 read in Panama is before the start (15:00 UTC); read as UTC it is not.
        assert await found(path, to="2023-05-16T10:30:00", timezone="America/Panama")
        assert not await found(path, to="2023-05-16T10:30:00", timezone="Asia/Tokyo")
        # A value with an offset is that instant, whatever the zone.
        assert not await found(path, **{"from": "2023-05-16T12:30:00-05:00"}, timezone="UTC")
    unknown_zone = await client.get("/v1/events", params={"timezone": "Mars/Olympus"})
    assert _names(unknown_zone, "Mars/Olympus")
    parameters = (await client.get("/openapi.json")).json()["paths"]["/v1/events"]["get"]
    zone_parameter = next(item for item in parameters["parameters"] if item["name"] == "timezone")
    assert zone_parameter["schema"]["default"] == "UTC"
    assert "`from`" in zone_parameter["description"]


async def test_a_local_time_that_occurs_twice_is_refused_unless_it_has_an_offset(
    client: httpx.AsyncClient,
) -> None:
    # Tijuana's clocks go back from 02:00 to 01:00 on 5 November 2023: 01:30 happens twice.
    ambiguous = await client.post(
        "/v1/events",
        json=event_body(
            starts_at="2023-11-05T01:30:00",
            ends_at="2023-11-05T03:00:00",
            timezone="America/Tijuana",
        ),
        headers=SECRETARIAT,
    )
    assert ambiguous.status_code == 422
    assert "occurs twice" in ambiguous.json()["detail"]
    assert "offset" in ambiguous.json()["detail"]
    conflicts = await client.get(
        "/v1/schedule/conflicts",
        params={
            "starts_at": "2023-11-05T01:30:00",
            "ends_at": "2023-11-05T03:00:00",
            "timezone": "America/Tijuana",
        },
    )
    assert conflicts.status_code == 422
    second = await create_event(
        client,
        starts_at="2023-11-05T01:30:00-08:00",
        ends_at="2023-11-05T03:00:00-08:00",
        timezone="America/Tijuana",
    )
    assert second["starts_at_utc"] == "2023-11-05T09:30:00Z"


async def test_outcomes_by_year_use_the_events_local_year(client: httpx.AsyncClient) -> None:
    # New Year's Eve in Mexico City, already 2024 in UTC.
    event_id = await held_event(
        client,
        starts_at="2023-12-31T19:00:00",
        ends_at="2023-12-31T21:00:00",
        timezone="America/Mexico_City",
    )
    created = await client.post(
        f"/v1/events/{event_id}/outcomes", json=outcome(), headers=SECRETARIAT
    )
    assert created.status_code == 201, created.text
    in_2023 = (await client.get("/v1/outcomes", params={"year": 2023})).json()["items"]
    in_2024 = (await client.get("/v1/outcomes", params={"year": 2024})).json()["items"]
    assert [item["id"] for item in in_2023] == [created.json()["id"]]
    assert in_2024 == []
    timeline = (await client.get("/v1/timeline", params={"year": 2023})).json()
    december = next(month for month in timeline["months"] if month["month"] == "2023-12")
    assert december["total"] == 1


async def test_the_event_body_carries_its_version_and_the_etag_equals_it(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post("/v1/events", json=event_body(), headers=SECRETARIAT)
    assert created.json()["version"] == 1
    assert created.headers["ETag"] == '"1"'
    url = f"/v1/events/{created.json()['id']}"
    moved = await client.patch(
        url, json={"capacity": 10}, headers={**SECRETARIAT, "If-Match": created.headers["ETag"]}
    )
    assert moved.status_code == 200, moved.text
    assert moved.headers["ETag"] == f'"{moved.json()["version"]}"'
    assert moved.json()["version"] == 2
    read = await client.get(url, headers=SECRETARIAT)
    assert read.headers["ETag"] == f'"{read.json()["version"]}"' == '"2"'
    scheduled = await client.post(f"{url}/schedule", headers=SECRETARIAT)
    assert scheduled.headers["ETag"] == f'"{scheduled.json()["version"]}"' == '"3"'
    listed = await client.get("/v1/events", headers=SECRETARIAT)
    assert listed.json()["items"][0]["version"] == 3


async def test_moving_only_the_end_keeps_a_start_given_with_its_offset(
    client: httpx.AsyncClient,
) -> None:
    # The second 01:30 of 5 November in Tijuana (standard time, UTC-8).
    created = await client.post(
        "/v1/events",
        json=event_body(
            starts_at="2023-11-05T01:30:00-08:00",
            ends_at="2023-11-05T03:00:00-08:00",
            timezone="America/Tijuana",
        ),
        headers=SECRETARIAT,
    )
    moved = await client.patch(
        f"/v1/events/{created.json()['id']}",
        json={"ends_at": "2023-11-05T04:00:00"},
        headers={**SECRETARIAT, "If-Match": created.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["starts_at_utc"] == "2023-11-05T09:30:00Z"
    assert moved.json()["ends_at_utc"] == "2023-11-05T12:00:00Z"
