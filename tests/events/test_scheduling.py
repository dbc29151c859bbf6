"""Clashes across time zones and daylight saving, series with exceptions and moves,
suggestions and the timeline."""

from __future__ import annotations

from typing import Any

import httpx

from tests.events.conftest import SECRETARIAT, create_event, schedule


async def conflicts(
    client: httpx.AsyncClient, start: str, end: str, zone: str, **extra: str
) -> list[dict[str, Any]]:
    params = {"starts_at": start, "ends_at": end, "timezone": zone, **extra}
    response = await client.get("/v1/schedule/conflicts", params=params, headers=SECRETARIAT)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_ten_in_mexico_city_clashes_with_eleven_in_panama(client: httpx.AsyncClient) -> None:
    panama = await create_event(
        client,
        starts_at="2023-03-14T11:00:00",
        ends_at="2023-03-14T12:00:00",
        timezone="America/Panama",
    )
    clashes = await conflicts(
        client, "2023-03-14T10:00:00", "2023-03-14T11:00:00", "America/Mexico_City"
    )
    assert [clash["event_id"] for clash in clashes] == [panama["id"]]
    assert clashes[0]["starts_at"] == "2023-03-14T16:00:00Z"


async def test_one_pm_in_mexico_city_does_not_clash_with_eleven_in_panama(
    client: httpx.AsyncClient,
) -> None:
    await create_event(
        client,
        starts_at="2023-03-14T11:00:00",
        ends_at="2023-03-14T12:00:00",
        timezone="America/Panama",
    )
    assert (
        await conflicts(client, "2023-03-14T13:00:00", "2023-03-14T14:00:00", "America/Mexico_City")
        == []
    )


async def test_creating_a_clashing_event_warns_and_strict_refuses(
    client: httpx.AsyncClient,
) -> None:
    panama = await create_event(
        client,
        starts_at="2023-03-14T11:00:00",
        ends_at="2023-03-14T12:00:00",
        timezone="America/Panama",
    )
    body = {
        "kind": "troika_meeting",
        "title": {"en": "Troika"},
        "starts_at": "2023-03-14T10:00:00",
        "ends_at": "2023-03-14T11:00:00",
        "timezone": "America/Mexico_City",
        "mode": "virtual",
        "online_url": "https://meet.example.org/troika",
    }
    strict = await client.post("/v1/events?strict=true", json=body, headers=SECRETARIAT)
    assert strict.status_code == 409
    assert strict.json()["clashes"][0]["event_id"] == panama["id"]
    listed = await client.get("/v1/events", headers=SECRETARIAT)
    assert [item["id"] for item in listed.json()["items"]] == [panama["id"]]
    warned = await client.post("/v1/events", json=body, headers=SECRETARIAT)
    assert warned.status_code == 201
    assert [clash["event_id"] for clash in warned.json()["warnings"]] == [panama["id"]]


async def test_moving_onto_another_event_with_strict_is_409_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    await create_event(client, starts_at="2023-03-14T11:00:00", ends_at="2023-03-14T12:00:00")
    other = await create_event(
        client, starts_at="2023-03-15T11:00:00", ends_at="2023-03-15T12:00:00"
    )
    url = f"/v1/events/{other['id']}"
    etag = (await client.get(url, headers=SECRETARIAT)).headers["ETag"]
    move = {"starts_at": "2023-03-14T11:30:00", "ends_at": "2023-03-14T12:30:00"}
    refused = await client.patch(
        f"{url}?strict=true", json=move, headers={**SECRETARIAT, "If-Match": etag}
    )
    assert refused.status_code == 409
    after = (await client.get(url, headers=SECRETARIAT)).json()
    assert after["starts_at"] == "2023-03-15T11:00:00-05:00"
    assert after["sequence"] == 0


async def test_tijuana_series_keeps_local_time_across_daylight_saving(
    client: httpx.AsyncClient,
) -> None:
    # Tijuana: UTC-8 until 12 March 2023, UTC-7 until 5 November 2023.
    series = await create_event(
        client,
        kind="working_group_meeting",
        working_group="employment",
        starts_at="2023-03-07T10:00:00",
        ends_at="2023-03-07T11:00:00",
        timezone="America/Tijuana",
        recurrence={"rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=40"},
    )
    occurrences = (
        await client.get(f"/v1/events/{series['id']}/occurrences", headers=SECRETARIAT)
    ).json()
    by_local = {item["starts_at"]: item["starts_at_utc"] for item in occurrences}
    assert by_local["2023-03-07T10:00:00-08:00"] == "2023-03-07T18:00:00Z"
    assert by_local["2023-03-14T10:00:00-07:00"] == "2023-03-14T17:00:00Z"
    assert by_local["2023-10-31T10:00:00-07:00"] == "2023-10-31T17:00:00Z"
    assert by_local["2023-11-07T10:00:00-08:00"] == "2023-11-07T18:00:00Z"

    # Noon in Panama (17:00 UTC) meets the Tijuana meeting only once DST has begun.
    assert (
        await conflicts(client, "2023-03-07T12:00:00", "2023-03-07T13:00:00", "America/Panama")
        == []
    )
    after_change = await conflicts(
        client, "2023-03-14T12:00:00", "2023-03-14T13:00:00", "America/Panama"
    )
    assert [clash["event_id"] for clash in after_change] == [series["id"]]
    assert after_change[0]["local_starts_at"] == "2023-03-14T10:00:00-07:00"
    # And back in November, the clash is at 13:00 Panama again.
    assert (
        await conflicts(client, "2023-11-07T12:00:00", "2023-11-07T13:00:00", "America/Panama")
        == []
    )
    assert (
        len(await conflicts(client, "2023-11-07T13:00:00", "2023-11-07T14:00:00", "America/Panama"))
        == 1
    )


async def test_series_exceptions_and_moved_occurrences(client: httpx.AsyncClient) -> None:
    series = await create_event(
        client,
        kind="working_group_meeting",
        starts_at="2023-04-04T10:00:00",
        ends_at="2023-04-04T11:00:00",
        timezone="America/Mexico_City",
        recurrence={
            "rrule": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20230430T235959Z",
            "exdates": ["2023-04-11T10:00:00"],
        },
    )
    url = f"/v1/events/{series['id']}"
    occurrences = (await client.get(f"{url}/occurrences", headers=SECRETARIAT)).json()
    assert [item["starts_at"][:10] for item in occurrences] == [
        "2023-04-04",
        "2023-04-18",
        "2023-04-25",
    ]
    # The excepted Tuesday is free.
    assert (
        await conflicts(client, "2023-04-11T10:00:00", "2023-04-11T11:00:00", "America/Mexico_City")
        == []
    )

    # Move the 18 April meeting to Wednesday 19 April.
    moved = await client.patch(
        f"{url}/occurrences/2023-04-18T16:00:00Z",
        json={"starts_at": "2023-04-19T10:00:00", "ends_at": "2023-04-19T11:00:00"},
        headers=SECRETARIAT,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "moved"
    assert moved.json()["recurrence_id"] == "2023-04-18T16:00:00Z"
    assert (
        await conflicts(client, "2023-04-18T10:00:00", "2023-04-18T11:00:00", "America/Mexico_City")
        == []
    )
    on_wednesday = await conflicts(
        client, "2023-04-19T10:30:00", "2023-04-19T11:30:00", "America/Mexico_City"
    )
    assert [clash["recurrence_id"] for clash in on_wednesday] == ["2023-04-18T16:00:00Z"]

    # Cancel the 25 April meeting: it no longer clashes but is still listed as cancelled.
    cancelled = await client.post(
        f"{url}/occurrences/2023-04-25T16:00:00Z/cancel",
        json={"reason": "Holiday"},
        headers=SECRETARIAT,
    )
    assert cancelled.status_code == 200
    assert (
        await conflicts(client, "2023-04-25T10:00:00", "2023-04-25T11:00:00", "America/Mexico_City")
        == []
    )
    statuses = [
        item["status"]
        for item in (await client.get(f"{url}/occurrences", headers=SECRETARIAT)).json()
    ]
    assert statuses == ["scheduled", "moved", "cancelled"]
    unknown = await client.patch(
        f"{url}/occurrences/2023-04-11T16:00:00Z",
        json={"starts_at": "2023-04-12T10:00:00", "ends_at": "2023-04-12T11:00:00"},
        headers=SECRETARIAT,
    )
    assert unknown.status_code == 404


async def test_an_until_without_utc_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/events",
        json={
            "kind": "working_group_meeting",
            "title": {"es": "GT"},
            "starts_at": "2023-04-04T10:00:00",
            "ends_at": "2023-04-04T11:00:00",
            "timezone": "America/Mexico_City",
            "mode": "virtual",
            "online_url": "https://meet.example.org/gt",
            "recurrence": {"rrule": "FREQ=WEEKLY;UNTIL=20230430T235959"},
        },
        headers=SECRETARIAT,
    )
    assert response.status_code == 422
    assert "UNTIL" in response.json()["detail"]


async def test_conflicts_filter_by_country_and_kind(client: httpx.AsyncClient) -> None:
    guatemala = await create_event(
        client, kind="workshop", mode="in_person", location={"city": "Guatemala", "country": "GTM"}
    )
    regional = await create_event(client, kind="sp_quarterly_meeting")
    window = ("2023-05-16T10:00:00", "2023-05-16T12:00:00", "America/Panama")
    assert {c["event_id"] for c in await conflicts(client, *window, countries="GTM")} == {
        guatemala["id"],
        regional["id"],
    }
    assert {c["event_id"] for c in await conflicts(client, *window, countries="HND")} == {
        regional["id"]
    }
    assert {c["event_id"] for c in await conflicts(client, *window, kinds="workshop")} == {
        guatemala["id"]
    }


async def test_suggestions_avoid_busy_slots_and_name_the_nearest_clashes(
    client: httpx.AsyncClient,
) -> None:
    # Monday 3 April 2023, Panama: busy 09:00-12:00 with a working-group meeting.
    busy = await create_event(
        client,
        kind="working_group_meeting",
        working_group="employment",
        starts_at="2023-04-03T09:00:00",
        ends_at="2023-04-03T12:00:00",
    )
    response = await client.post(
        "/v1/schedule/suggestions",
        json={
            "duration_minutes": 120,
            "window_start": "2023-04-01",
            "window_end": "2023-04-30",
            "timezone": "America/Panama",
            "working_hours": {"start": "09:00", "end": "17:00"},
            "working_groups": ["employment"],
            "count": 2,
        },
        headers=SECRETARIAT,
    )
    assert response.status_code == 200, response.text
    slots = response.json()["items"]
    assert [slot["starts_at"] for slot in slots] == [
        "2023-04-03T12:00:00-05:00",
        "2023-04-03T14:00:00-05:00",
    ]
    assert slots[0]["nearest_clashes"][0]["event_id"] == busy["id"]


async def test_suggestions_ignore_events_that_do_not_concern_the_request(
    client: httpx.AsyncClient,
) -> None:
    await create_event(
        client,
        kind="workshop",
        mode="in_person",
        location={"city": "Tegucigalpa", "country": "HND"},
        starts_at="2023-04-03T09:00:00",
        ends_at="2023-04-03T17:00:00",
    )
    response = await client.post(
        "/v1/schedule/suggestions",
        json={
            "duration_minutes": 60,
            "window_start": "2023-04-03",
            "window_end": "2023-04-03",
            "timezone": "America/Panama",
            "countries": ["PAN"],
            "count": 1,
        },
        headers=SECRETARIAT,
    )
    assert response.json()["items"][0]["starts_at"] == "2023-04-03T09:00:00-05:00"


async def test_timeline_groups_by_month_with_counts_per_kind(client: httpx.AsyncClient) -> None:
    quarterly = await create_event(
        client,
        kind="sp_quarterly_meeting",
        starts_at="2023-03-14T10:00:00",
        ends_at="2023-03-14T12:00:00",
    )
    await create_event(
        client,
        kind="learning_event",
        starts_at="2023-03-20T10:00:00",
        ends_at="2023-03-20T12:00:00",
    )
    await create_event(
        client,
        kind="working_group_meeting",
        starts_at="2023-03-01T10:00:00",
        ends_at="2023-03-01T11:00:00",
        recurrence={"rrule": "FREQ=MONTHLY;COUNT=3"},
    )
    cancelled = await create_event(
        client, kind="summit", starts_at="2023-04-20T10:00:00", ends_at="2023-04-20T12:00:00"
    )
    await client.post(
        f"/v1/events/{cancelled['id']}/cancel", json={"reason": "x"}, headers=SECRETARIAT
    )
    # A New Year's Eve party in Panama is still December 2023 although UTC says January.
    await create_event(
        client, kind="other", starts_at="2023-12-31T22:00:00", ends_at="2023-12-31T23:30:00"
    )
    for event in (quarterly,):
        await schedule(client, event["id"])

    timeline = (await client.get("/v1/timeline?year=2023", headers=SECRETARIAT)).json()
    months = {month["month"]: month for month in timeline["months"]}
    assert len(months) == 12
    assert months["2023-03"]["counts"] == {
        "learning_event": 1,
        "sp_quarterly_meeting": 1,
        "working_group_meeting": 1,
    }
    assert months["2023-03"]["total"] == 3
    assert months["2023-04"]["counts"] == {"working_group_meeting": 1}
    assert months["2023-05"]["counts"] == {"working_group_meeting": 1}
    assert months["2023-12"]["counts"] == {"other": 1}
    # The public sees only what is no longer a draft.
    public = (await client.get("/v1/timeline?year=2023")).json()
    assert {m["month"]: m["total"] for m in public["months"] if m["total"]} == {"2023-03": 1}


async def test_occurrences_of_several_events_come_in_one_list_as_each_event_lists_them(
    client: httpx.AsyncClient,
) -> None:
    series = await create_event(
        client,
        kind="working_group_meeting",
        working_group="employment",
        starts_at="2023-03-07T10:00:00",
        ends_at="2023-03-07T11:00:00",
        timezone="America/Tijuana",
        recurrence={"rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=40"},
    )
    single = await create_event(client)
    await schedule(client, single["id"])
    ids = f"{series['id']},{single['id']}"

    both = await client.get(
        f"/v1/occurrences?event_id={ids}&per_event=3&from=2023-03-10T00:00:00Z",
        headers=SECRETARIAT,
    )
    anonymous = await client.get(f"/v1/occurrences?event_id={ids}")

    assert both.status_code == 200, both.text
    items = both.json()["items"]
    of_series = (
        await client.get(
            f"/v1/events/{series['id']}/occurrences?limit=3&from=2023-03-10T00:00:00Z",
            headers=SECRETARIAT,
        )
    ).json()
    assert [item for item in items if item["event_id"] == series["id"]] == of_series
    assert [item["starts_at"] for item in items if item["event_id"] == single["id"]] == [
        "2023-05-16T10:00:00-05:00"
    ]
    assert [item["starts_at_utc"] for item in items] == sorted(
        item["starts_at_utc"] for item in items
    )
    # The proposed series is its organisers' only; the scheduled event is public.
    assert anonymous.status_code == 200
    assert {item["event_id"] for item in anonymous.json()["items"]} == {single["id"]}
