"""iCalendar feeds: valid RFC 5545 read back with icalendar, stable UIDs, SEQUENCE bumps."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar

from tests.events.conftest import SECRETARIAT, create_event, schedule


async def read_calendar(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> Calendar:
    response = await client.get(url, headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar.get_missing_tzids() == set()
    return calendar


def vevents(calendar: Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


async def test_event_ics_is_valid_with_uid_timezone_and_times(client: httpx.AsyncClient) -> None:
    event = await create_event(
        client,
        starts_at="2023-03-14T10:00:00",
        ends_at="2023-03-14T11:00:00",
        timezone="America/Mexico_City",
        title={"es": "Reunión", "en": "Meeting"},
    )
    await schedule(client, event["id"])
    calendar = await read_calendar(client, f"/v1/events/{event['id']}.ics?lang=en")
    (component,) = vevents(calendar)
    assert str(component["UID"]) == f"{event['id']}@events.mirps-platform"
    assert str(component["SUMMARY"]) == "Meeting"
    assert component.decoded("DTSTART") == datetime(
        2023, 3, 14, 10, tzinfo=ZoneInfo("America/Mexico_City")
    )
    assert component["DTSTART"].params["TZID"] == "America/Mexico_City"
    assert str(component["STATUS"]) == "CONFIRMED"
    assert "DTSTAMP" in component
    assert "LAST-MODIFIED" in component
    assert [tz.tz_name for tz in calendar.timezones] == ["America/Mexico_City"]


async def test_a_calendar_named_in_the_other_language_when_the_asked_one_is_missing(
    client: httpx.AsyncClient,
) -> None:
    event = await create_event(client, title={"en": "Only in English"})
    await schedule(client, event["id"])

    calendar = await read_calendar(client, f"/v1/events/{event['id']}.ics?lang=es")

    assert str(calendar["X-WR-CALNAME"]) == "Only in English"
    assert str(vevents(calendar)[0]["SUMMARY"]) == "Only in English"


async def test_sequence_increases_on_every_change_of_time_place_or_status(
    client: httpx.AsyncClient,
) -> None:
    event = await create_event(client)
    ics = f"/v1/events/{event['id']}.ics"
    url = f"/v1/events/{event['id']}"

    async def sequence_and_modified() -> tuple[int, datetime]:
        (component,) = vevents(await read_calendar(client, ics, SECRETARIAT))
        return int(component["SEQUENCE"]), component.decoded("LAST-MODIFIED")

    async def patch(change: dict[str, Any]) -> None:
        etag = (await client.get(url, headers=SECRETARIAT)).headers["ETag"]
        response = await client.patch(url, json=change, headers={**SECRETARIAT, "If-Match": etag})
        assert response.status_code == 200, response.text

    sequence, modified = await sequence_and_modified()
    assert sequence == 0
    await patch({"starts_at": "2023-05-16T11:00:00", "ends_at": "2023-05-16T13:00:00"})
    after_time, modified_time = await sequence_and_modified()
    assert after_time == 1
    assert modified_time >= modified
    updated_at = datetime.fromisoformat(
        (await client.get(url, headers=SECRETARIAT)).json()["updated_at"]
    )
    assert modified_time == updated_at.replace(microsecond=0)
    await patch({"mode": "hybrid", "location": {"city": "Panamá", "country": "PAN"}})
    assert (await sequence_and_modified())[0] == 2
    await schedule(client, event["id"])
    assert (await sequence_and_modified())[0] == 3
    await patch({"description": {"es": "Solo texto"}})
    assert (await sequence_and_modified())[0] == 3
    await client.post(f"{url}/cancel", json={"reason": "no quorum"}, headers=SECRETARIAT)
    (component,) = vevents(await read_calendar(client, ics))
    assert int(component["SEQUENCE"]) == 4
    assert str(component["STATUS"]) == "CANCELLED"


async def test_series_has_rrule_exdate_and_recurrence_ids(client: httpx.AsyncClient) -> None:
    series = await create_event(
        client,
        kind="working_group_meeting",
        starts_at="2023-03-07T10:00:00",
        ends_at="2023-03-07T11:00:00",
        timezone="America/Tijuana",
        recurrence={"rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=10", "exdates": ["2023-03-21T10:00:00"]},
    )
    url = f"/v1/events/{series['id']}"
    await client.patch(
        f"{url}/occurrences/2023-03-14T17:00:00Z",
        json={"starts_at": "2023-03-15T10:00:00", "ends_at": "2023-03-15T11:00:00"},
        headers=SECRETARIAT,
    )
    await client.post(
        f"{url}/occurrences/2023-03-28T17:00:00Z/cancel",
        json={"reason": "Holiday"},
        headers=SECRETARIAT,
    )
    await schedule(client, series["id"])
    calendar = await read_calendar(client, f"{url}.ics")
    master, *overrides = vevents(calendar)
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=10;BYDAY=TU"
    tijuana = ZoneInfo("America/Tijuana")
    assert master["EXDATE"].dts[0].dt == datetime(2023, 3, 21, 10, tzinfo=tijuana)
    assert int(master["SEQUENCE"]) == 3  # move, cancel occurrence, schedule
    by_recurrence = {o.decoded("RECURRENCE-ID"): o for o in overrides}
    moved = by_recurrence[datetime(2023, 3, 14, 10, tzinfo=tijuana)]
    assert moved.decoded("DTSTART") == datetime(2023, 3, 15, 10, tzinfo=tijuana)
    assert str(moved["UID"]) == str(master["UID"])
    cancelled = by_recurrence[datetime(2023, 3, 28, 10, tzinfo=tijuana)]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert [tz.tz_name for tz in calendar.timezones] == ["America/Tijuana"]
    # The VTIMEZONE knows Tijuana's daylight saving.
    assert calendar.timezones[0].walk("DAYLIGHT")


async def test_feed_filters_and_hides_drafts(client: httpx.AsyncClient) -> None:
    workshop = await create_event(
        client,
        kind="workshop",
        mode="in_person",
        location={"city": "San Salvador", "country": "SLV"},
    )
    meeting = await create_event(client, kind="troika_meeting", timezone="America/Mexico_City")
    draft = await create_event(
        client, kind="workshop", starts_at="2023-07-01T10:00:00", ends_at="2023-07-01T11:00:00"
    )
    for event in (workshop, meeting):
        await schedule(client, event["id"])

    def uids(calendar: Calendar) -> set[str]:
        return {str(component["UID"]).split("@")[0] for component in vevents(calendar)}

    everything = await read_calendar(client, "/v1/calendar.ics")
    assert uids(everything) == {workshop["id"], meeting["id"]}
    assert {tz.tz_name for tz in everything.timezones} == {"America/Panama", "America/Mexico_City"}
    assert uids(await read_calendar(client, "/v1/calendar.ics?kind=workshop")) == {workshop["id"]}
    assert uids(await read_calendar(client, "/v1/calendar.ics?country=SLV")) == {workshop["id"]}
    assert uids(await read_calendar(client, "/v1/calendar.ics?from=2023-06-01")) == set()
    with_drafts = await read_calendar(client, "/v1/calendar.ics?kind=workshop", SECRETARIAT)
    assert uids(with_drafts) == {workshop["id"], draft["id"]}
    statuses = {str(c["UID"]).split("@")[0]: str(c["STATUS"]) for c in vevents(with_drafts)}
    assert statuses[draft["id"]] == "TENTATIVE"
    assert (await client.get(f"/v1/events/{draft['id']}.ics")).status_code == 404
