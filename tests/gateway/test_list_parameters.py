"""One list-parameter convention in every service: repeated or comma-separated values, and
one `?ids=` parser (UUIDs, a malformed one named, at most 200)."""

from __future__ import annotations

import uuid

import pytest

from tests.gateway.conftest import SECRETARIAT, Stack

LIST_PATHS = {
    "pledges": "/v1/pledges",
    "practices": "/v1/practices",
    "events": "/v1/events",
}


@pytest.mark.parametrize("service", sorted(LIST_PATHS))
async def test_a_malformed_id_is_a_422_naming_it(stack: Stack, service: str) -> None:
    good = str(uuid.uuid4())
    response = await stack.services[service].get(
        LIST_PATHS[service], params={"ids": f"{good},not-an-id"}, headers=SECRETARIAT
    )

    assert response.status_code == 422, response.text
    assert "not-an-id" in response.json()["detail"]


@pytest.mark.parametrize("service", sorted(LIST_PATHS))
async def test_more_than_two_hundred_ids_are_refused(stack: Stack, service: str) -> None:
    ids = ",".join(str(uuid.uuid4()) for _ in range(201))
    response = await stack.services[service].get(
        LIST_PATHS[service], params={"ids": ids}, headers=SECRETARIAT
    )

    assert response.status_code == 422, response.text
    assert "200" in response.json()["detail"]


async def test_ids_may_be_repeated_or_comma_separated_in_every_service(stack: Stack) -> None:
    organisation = await stack.organisation()
    pledges = [await stack.pledge(organisation["id"]) for _ in range(3)]
    practices = [await stack.practice() for _ in range(3)]
    events = [await stack.event() for _ in range(3)]
    for service, records in (("pledges", pledges), ("practices", practices), ("events", events)):
        ids = [record["id"] for record in records]
        mixed = [("ids", f"{ids[0]},{ids[1]}"), ("ids", ids[2])]
        response = await stack.services[service].get(
            LIST_PATHS[service], params=mixed, headers=SECRETARIAT
        )
        assert response.status_code == 200, response.text
        assert sorted(item["id"] for item in response.json()["items"]) == sorted(ids), service


async def test_practice_filters_accept_comma_separated_values(stack: Stack) -> None:
    jobs = await stack.practice(themes=["employment_livelihoods"])
    school = await stack.practice(themes=["education"])
    await stack.practice(themes=["health"])

    for params in (
        {"theme": "employment_livelihoods,education"},
        [("theme", "employment_livelihoods"), ("theme", "education")],
    ):
        response = await stack.services["practices"].get("/v1/practices", params=params)
        assert response.status_code == 200, response.text
        assert {item["id"] for item in response.json()["items"]} == {jobs["id"], school["id"]}


async def test_an_unknown_code_in_a_comma_separated_filter_is_named(stack: Stack) -> None:
    response = await stack.services["practices"].get(
        "/v1/practices", params={"theme": "education,astrology"}
    )

    assert response.status_code == 422
    assert "astrology" in response.text


async def test_event_filters_accept_repeated_values(stack: Stack) -> None:
    workshop = await stack.event(kind="workshop")
    visit = await stack.event(kind="field_visit")
    await stack.event(kind="learning_event")

    for params in (
        [("kind", "workshop"), ("kind", "field_visit")],
        {"kind": "workshop,field_visit"},
    ):
        response = await stack.services["events"].get("/v1/events", params=params)
        assert response.status_code == 200, response.text
        assert {item["id"] for item in response.json()["items"]} == {workshop["id"], visit["id"]}


async def test_pledges_filter_by_several_contributors_objectives_and_events(stack: Stack) -> None:
    first, second, third = [await stack.organisation() for _ in range(3)]
    jobs, school = await stack.objective(), await stack.objective()
    forum, summit = await stack.event(), await stack.event()
    a = await stack.pledge(first["id"], objective_ids=[jobs["id"]], announced_at=forum["id"])
    b = await stack.pledge(second["id"], objective_ids=[school["id"]], announced_at=summit["id"])
    await stack.pledge(third["id"])

    async def listed(params: list[tuple[str, str]]) -> set[str]:
        response = await stack.services["pledges"].get("/v1/pledges", params=params)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    both = {a["id"], b["id"]}
    assert await listed([("contributor_id", f"{first['id']},{second['id']}")]) == both
    assert await listed([("objective_id", jobs["id"]), ("objective_id", school["id"])]) == both
    assert await listed([("announced_at", f"{forum['id']},{summit['id']}")]) == both


async def test_outcomes_and_events_filter_by_several_events_hosts_and_practices(
    stack: Stack,
) -> None:
    host_a, host_b = str(uuid.uuid4()), str(uuid.uuid4())
    practice_a, practice_b = str(uuid.uuid4()), str(uuid.uuid4())
    first = await stack.event(hosts=[host_a], featured_practice_ids=[practice_a])
    second = await stack.event(hosts=[host_b], featured_practice_ids=[practice_b])
    await stack.event()
    for event in (first, second):
        await stack.rest("events", "POST", f"/v1/events/{event['id']}/hold")
        await stack.rest(
            "events",
            "POST",
            f"/v1/events/{event['id']}/outcomes",
            {"kind": "takeaway", "description": {"en": f"From {event['id']}"}},
        )
    events = stack.services["events"]

    outcomes = await events.get(
        "/v1/outcomes", params={"event_id": f"{first['id']},{second['id']}"}
    )
    by_host = await events.get("/v1/events", params=[("host", host_a), ("host", host_b)])
    featuring = await events.get(
        "/v1/events", params={"featured_practice_id": f"{practice_a},{practice_b}"}
    )

    both = {first["id"], second["id"]}
    assert {item["event_id"] for item in outcomes.json()["items"]} == both
    assert {item["id"] for item in by_host.json()["items"]} == both
    assert {item["id"] for item in featuring.json()["items"]} == both


async def test_pledges_embed_contributor_and_objectives_when_asked(stack: Stack) -> None:
    organisation = await stack.organisation(name="AECID")
    jobs = await stack.objective(title={"es": "Empleo", "en": "Jobs"})
    pledge = await stack.pledge(organisation["id"], objective_ids=[jobs["id"]])
    pledges = stack.services["pledges"]

    embedded = await pledges.get(
        "/v1/pledges", params={"ids": pledge["id"], "include": "contributor,objectives"}
    )
    plain = await pledges.get("/v1/pledges", params={"ids": pledge["id"]})

    (item,) = embedded.json()["items"]
    assert item["contributor"]["name"] == "AECID"
    assert [objective["title"]["en"] for objective in item["objectives"]] == ["Jobs"]
    (bare,) = plain.json()["items"]
    assert "contributor" not in bare
    assert "objectives" not in bare


async def test_embedding_does_not_show_a_restricted_pledge_to_anonymous_callers(
    stack: Stack,
) -> None:
    organisation = await stack.organisation()
    await stack.pledge(organisation["id"], visibility="restricted")
    public = await stack.pledge(organisation["id"])

    response = await stack.services["pledges"].get("/v1/pledges", params={"include": "contributor"})

    assert [item["id"] for item in response.json()["items"]] == [public["id"]]


async def test_an_unknown_include_is_a_422_pointing_at_it(stack: Stack) -> None:
    response = await stack.services["pledges"].get(
        "/v1/pledges", params={"include": "contributor,ledger"}
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["query.include.1"]


async def test_registration_counts_of_several_events_skip_the_ones_the_caller_cannot_see(
    stack: Stack,
) -> None:
    scheduled = await stack.event(capacity=5)
    proposed = await stack.event(schedule=False)
    await stack.rest(
        "events",
        "POST",
        f"/v1/events/{scheduled['id']}/registrations",
        {"name": "Ana", "email": "ana@example.org"},
    )

    response = await stack.services["events"].get(
        "/v1/registration-counts", params={"event_ids": f"{scheduled['id']},{proposed['id']}"}
    )
    malformed = await stack.services["events"].get(
        "/v1/registration-counts", params={"event_ids": "nope"}
    )

    assert response.status_code == 200, response.text
    (counts,) = response.json()["items"]
    assert counts["event_id"] == scheduled["id"]
    assert counts["registered"] == 1
    assert counts["places_left"] == 4
    assert malformed.status_code == 422
    assert "nope" in malformed.json()["detail"]


async def test_a_batch_read_answers_in_one_page_whatever_the_page_size(stack: Stack) -> None:
    organisation = await stack.organisation()
    records = {
        "pledges": [await stack.pledge(organisation["id"]) for _ in range(3)],
        "practices": [await stack.practice() for _ in range(3)],
        "events": [await stack.event() for _ in range(3)],
    }
    for service, created in records.items():
        ids = ",".join(record["id"] for record in created)
        response = await stack.services[service].get(
            LIST_PATHS[service], params={"ids": ids, "limit": 1}, headers=SECRETARIAT
        )
        assert response.status_code == 200, response.text
        assert len(response.json()["items"]) == 3, service
        assert response.json()["next_cursor"] is None, service
