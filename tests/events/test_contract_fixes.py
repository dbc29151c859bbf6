"""What the events API declares, it holds to: offsets on exception dates, ISO times only,
a batch read names at least one id, and a feed says when it last changed."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import httpx

from tests.events.conftest import SECRETARIAT, create_event


async def test_exdates_are_answered_with_the_zones_offset(client: httpx.AsyncClient) -> None:
    event = await create_event(
        client,
        recurrence={"rrule": "FREQ=WEEKLY;COUNT=4", "exdates": ["2023-05-23T10:00:00"]},
    )
    assert event["recurrence"]["exdates"] == ["2023-05-23T10:00:00-05:00"], event
    read = (await client.get(f"/v1/events/{event['id']}", headers=SECRETARIAT)).json()
    assert read["recurrence"]["exdates"] == ["2023-05-23T10:00:00-05:00"]


async def test_a_number_is_not_a_time(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/events", params={"from": "0.5"})
    assert response.status_code == 422
    assert "ISO 8601" in response.json()["detail"]


async def test_an_empty_batch_read_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/events?ids=")
    assert response.status_code == 422
    assert "at least one id" in response.json()["detail"]


async def test_the_feed_says_when_it_last_changed(client: httpx.AsyncClient) -> None:
    event = await create_event(client)
    feed = await client.get(f"/v1/events/{event['id']}.ics", headers=SECRETARIAT)
    assert feed.status_code == 200, feed.text
    assert parsedate_to_datetime(feed.headers["last-modified"]).year >= 2026
    assert "max-age" in feed.headers["cache-control"]
    polled = await client.get(
        f"/v1/events/{event['id']}.ics",
        headers={**SECRETARIAT, "If-None-Match": feed.headers["etag"]},
    )
    assert polled.status_code == 304
