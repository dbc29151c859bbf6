"""Batching: a nested query costs at most one call per service and resource per level."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from tests.conftest import auth_headers
from tests.gateway.conftest import SECRETARIAT, Stack

FIFTY_PLEDGES = """
query {
  pledges(first: 50) {
    totalCount
    edges {
      node {
        id
        title { es en }
        amount { amount currency amountUsd }
        contributor { name kind }
        objectives { title { en } country { code } }
        announcedAt { title { es } kind startsAt }
      }
    }
  }
}
"""


async def test_fifty_pledges_with_contributors_objectives_and_events_cost_three_calls_in_two_rounds(
    stack: Stack,
) -> None:
    organisations = [await stack.organisation() for _ in range(5)]
    objectives = [await stack.objective() for _ in range(3)]
    events = [await stack.event() for _ in range(2)]
    for index in range(50):
        await stack.pledge(
            organisations[index % 5]["id"],
            objective_ids=[objectives[index % 3]["id"]],
            announced_at=events[index % 2]["id"],
        )
    stack.reset_counts()

    data = await stack.data(FIFTY_PLEDGES)

    nodes = [edge["node"] for edge in data["pledges"]["edges"]]
    assert len(nodes) == 50
    assert all(node["contributor"]["name"].startswith("Org ") for node in nodes)
    assert all(len(node["objectives"]) == 1 for node in nodes)
    assert all(node["announcedAt"]["kind"] == "LEARNING_EVENT" for node in nodes)
    # The pledges come with their contributors embedded (one call); then the objectives
    # and the events, one batch call each: three upstream requests, the target's bound.
    page_call, objective_call = stack.calls("pledges")
    assert page_call.url.path == "/v1/pledges"
    assert parse_qs(page_call.url.query.decode())["include"] == ["contributor"]
    assert objective_call.url.path == "/v1/objectives"
    batch = parse_qs(objective_call.url.query.decode())
    assert sorted(batch["ids"][0].split(",")) == sorted(objective["id"] for objective in objectives)
    event_calls = stack.calls("events")
    assert len(event_calls) == 1
    assert stack.calls("practices") == []
    batch = parse_qs(event_calls[0].url.query.decode())
    assert sorted(batch["ids"][0].split(",")) == sorted(event["id"] for event in events)


async def test_a_pages_objectives_and_events_are_read_side_by_side(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    organisation = await stack.organisation()
    objective = await stack.objective()
    event = await stack.event()
    for _ in range(3):
        await stack.pledge(
            organisation["id"], objective_ids=[objective["id"]], announced_at=event["id"]
        )
    # The objectives call is held until the events call has arrived: were the two read
    # one after the other, the objectives call would time out waiting.
    events_asked = asyncio.Event()
    pledges, events = stack.transports["pledges"], stack.transports["events"]
    send_pledges, send_events = pledges.handle_async_request, events.handle_async_request

    async def pledges_call(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/objectives":
            await asyncio.wait_for(events_asked.wait(), timeout=5)
        return await send_pledges(request)

    async def events_call(request: httpx.Request) -> httpx.Response:
        events_asked.set()
        return await send_events(request)

    monkeypatch.setattr(pledges, "handle_async_request", pledges_call)
    monkeypatch.setattr(events, "handle_async_request", events_call)
    stack.reset_counts()

    data = await stack.data(FIFTY_PLEDGES)

    nodes = [edge["node"] for edge in data["pledges"]["edges"]]
    assert [node["objectives"][0]["title"]["en"] for node in nodes] == ["Jobs"] * 3
    assert all(node["announcedAt"]["kind"] == "LEARNING_EVENT" for node in nodes)
    assert [call.url.path for call in stack.calls("pledges")] == ["/v1/pledges", "/v1/objectives"]


async def test_pledges_read_country_by_country_embed_their_objectives(stack: Stack) -> None:
    organisation = await stack.organisation()
    for country in ("GTM", "HND", "PAN"):
        objective = await stack.objective(country=country)
        await stack.pledge(
            organisation["id"], recipient_countries=[country], objective_ids=[objective["id"]]
        )
    stack.reset_counts()

    data = await stack.data(
        "{ countries { code pledges { nodes { objectives { country { code } } } } } }"
    )

    for country in data["countries"]:
        for pledge in country["pledges"]["nodes"]:
            assert [objective["country"]["code"] for objective in pledge["objectives"]] == [
                country["code"]
            ]
    # Each country's page is its own call; its objectives come in it, not in one more call
    # per country.
    calls = stack.calls("pledges")
    assert {call.url.path for call in calls} == {"/v1/pledges"}
    assert all(parse_qs(call.url.query.decode())["include"] == ["objectives"] for call in calls)


async def test_pledges_without_contributor_or_objectives_do_not_ask_to_embed_them(
    stack: Stack,
) -> None:
    organisation = await stack.organisation()
    await stack.pledge(organisation["id"])
    stack.reset_counts()

    data = await stack.data("{ pledges { edges { node { title { es } } } } }")

    assert len(data["pledges"]["edges"]) == 1
    (call,) = stack.calls("pledges")
    assert "include" not in parse_qs(call.url.query.decode())


async def test_embedded_contributors_follow_the_fragments_of_a_query(stack: Stack) -> None:
    organisation = await stack.organisation(name="Fragmented")
    await stack.pledge(organisation["id"])
    stack.reset_counts()

    data = await stack.data(
        """{ pledges { nodes { ...Who } } }
        fragment Who on Pledge { contributor { name } }"""
    )

    assert data["pledges"]["nodes"] == [{"contributor": {"name": "Fragmented"}}]
    assert [call.url.path for call in stack.calls("pledges")] == ["/v1/pledges"]


async def test_lookups_in_one_level_share_one_call_and_unknown_ids_are_null(stack: Stack) -> None:
    organisation = await stack.organisation()
    first = await stack.pledge(organisation["id"], title={"en": "First"})
    second = await stack.pledge(organisation["id"], title={"en": "Second"})
    stack.reset_counts()

    data = await stack.data(
        """query($a: ID!, $b: ID!, $c: ID!) {
          a: pledge(id: $a) { title { en } }
          b: pledge(id: $b) { title { en } }
          c: pledge(id: $c) { title { en } }
        }""",
        {"a": second["id"], "b": "00000000-0000-4000-8000-000000000000", "c": first["id"]},
    )

    assert data == {"a": {"title": {"en": "Second"}}, "b": None, "c": {"title": {"en": "First"}}}
    (call,) = stack.calls("pledges")
    assert call.url.path == "/v1/pledges"


async def test_opaque_ids_that_are_not_uuids_are_not_sent_to_a_uuid_service(stack: Stack) -> None:
    await stack.event(hosts=["org-usa"], featured_practice_ids=["demo-practice-1"])
    stack.reset_counts()

    data = await stack.data(
        "{ events { nodes { hostIds hosts { name } featuredPractices { restId } } } }"
    )

    assert data["events"]["nodes"] == [
        {"hostIds": ["org-usa"], "hosts": [], "featuredPractices": []}
    ]
    assert stack.calls("pledges") == []
    assert stack.calls("practices") == []


async def test_a_malformed_reference_does_not_break_the_batch_it_is_in(stack: Stack) -> None:
    organisation = await stack.organisation()
    event = await stack.event()
    await stack.pledge(organisation["id"], announced_at=event["id"], title={"en": "Linked"})
    await stack.pledge(
        organisation["id"], announced_at="solidarity-event-2022", title={"en": "Odd"}
    )
    stack.reset_counts()

    data = await stack.data("{ pledges { nodes { title { en } announcedAt { restId } } } }")

    announced = {node["title"]["en"]: node["announcedAt"] for node in data["pledges"]["nodes"]}
    assert announced == {"Linked": {"restId": event["id"]}, "Odd": None}
    (call,) = stack.calls("events")
    assert "solidarity" not in str(call.url)


async def test_organisations_with_their_pledges_cost_one_call_per_level(stack: Stack) -> None:
    organisations = [await stack.organisation(name=f"Org {index}") for index in range(6)]
    for index, organisation in enumerate(organisations):
        for _ in range(index % 3):
            await stack.pledge(organisation["id"])
    stack.reset_counts()

    data = await stack.data(
        "{ organisations { nodes { name pledges(first: 1) { totalCount pageInfo { hasNextPage }"
        " nodes { contributor { name } } } } } }"
    )

    by_name = {node["name"]: node["pledges"] for node in data["organisations"]["nodes"]}
    assert [by_name[f"Org {index}"]["totalCount"] for index in range(6)] == [0, 1, 2, 0, 1, 2]
    assert by_name["Org 2"]["pageInfo"]["hasNextPage"] is True
    assert by_name["Org 1"]["pageInfo"]["hasNextPage"] is False
    assert by_name["Org 2"]["nodes"] == [{"contributor": {"name": "Org 2"}}]
    paths = [call.url.path for call in stack.calls("pledges")]
    assert paths == ["/v1/organisations", "/v1/pledges"]
    (nested,) = [call for call in stack.calls("pledges") if call.url.path == "/v1/pledges"]
    batched = parse_qs(nested.url.query.decode())["contributor_id"][0].split(",")
    assert sorted(batched) == sorted(organisation["id"] for organisation in organisations)


async def test_nested_pledges_come_with_their_contributors_embedded(stack: Stack) -> None:
    organisations = [await stack.organisation() for _ in range(3)]
    objectives = [await stack.objective() for _ in range(2)]
    event = await stack.event()
    for index in range(6):
        await stack.pledge(
            organisations[index % 3]["id"],
            objective_ids=[objectives[index % 2]["id"]],
            announced_at=event["id"],
        )
    stack.reset_counts()

    data = await stack.data(
        """{ objectives { nodes { pledges { nodes { contributor { name } } } } }
             events { nodes { pledgesAnnounced { nodes { contributor { name } } } } } }"""
    )

    names = {organisation["name"] for organisation in organisations}
    by_objective = [node["pledges"]["nodes"] for node in data["objectives"]["nodes"]]
    assert [len(pledges) for pledges in by_objective] == [3, 3]
    announced = data["events"]["nodes"][0]["pledgesAnnounced"]["nodes"]
    assert len(announced) == 6
    for pledge in [*announced, *(pledge for pledges in by_objective for pledge in pledges)]:
        assert pledge["contributor"]["name"] in names
    # Each nested list asks for the contributors in its one call; no organisation lookups.
    calls = [call.url for call in stack.calls("pledges")]
    assert [url.path for url in calls] == ["/v1/objectives", "/v1/pledges", "/v1/pledges"]
    for url in calls[1:]:
        assert parse_qs(url.query.decode())["include"] == ["contributor"]


async def test_a_batched_nested_list_continues_from_its_cursor(stack: Stack) -> None:
    organisation = await stack.organisation()
    titles = [f"Pledge {index}" for index in range(3)]
    for title in titles:
        await stack.pledge(organisation["id"], title={"en": title})

    query = """query($id: ID!, $after: String) { organisation(id: $id) {
      pledges(first: 2, after: $after) { pageInfo { endCursor hasNextPage } nodes { title { en } } }
    } }"""
    first = (await stack.data(query, {"id": organisation["id"]}))["organisation"]["pledges"]
    after = first["pageInfo"]["endCursor"]
    rest = (await stack.data(query, {"id": organisation["id"], "after": after}))["organisation"][
        "pledges"
    ]

    seen = [node["title"]["en"] for node in first["nodes"] + rest["nodes"]]
    assert sorted(seen) == titles
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_events_with_outcomes_and_their_pledges_cost_one_call_per_service_per_level(
    stack: Stack,
) -> None:
    organisation = await stack.organisation()
    events = [await stack.event() for _ in range(4)]
    for event in events:
        await stack.rest("events", "POST", f"/v1/events/{event['id']}/hold")
        for _ in range(2):
            pledge = await stack.pledge(organisation["id"], announced_at=event["id"])
            await stack.rest(
                "events",
                "POST",
                f"/v1/events/{event['id']}/outcomes",
                {
                    "kind": "resource_commitment",
                    "description": {"en": "Funds"},
                    "pledge_id": pledge["id"],
                },
            )
    stack.reset_counts()

    data = await stack.data(
        """{ events { nodes {
          outcomes { totalCount nodes { pledge { title { en } contributor { name } } } }
          pledgesAnnounced { totalCount }
        } } }"""
    )

    nodes = data["events"]["nodes"]
    assert len(nodes) == 4
    assert all(node["outcomes"]["totalCount"] == 2 for node in nodes)
    assert all(node["pledgesAnnounced"]["totalCount"] == 2 for node in nodes)
    assert all(
        outcome["pledge"]["contributor"]["name"] == organisation["name"]
        for node in nodes
        for outcome in node["outcomes"]["nodes"]
    )
    # events: the list, then the outcomes of every event in one call.
    assert [call.url.path for call in stack.calls("events")] == ["/v1/events", "/v1/outcomes"]
    # pledges: one call per level: the announced pledges of every event (level 2), the
    # outcomes' pledges by id (level 3), their contributors (level 4).
    pledge_calls = {
        call.url.path + "?" + call.url.query.decode() for call in stack.calls("pledges")
    }
    assert len(stack.calls("pledges")) == 3
    assert sum("announced_at=" in call for call in pledge_calls) == 1
    assert sum("/v1/pledges?ids=" in call for call in pledge_calls) == 1
    assert sum(call.startswith("/v1/organisations?") for call in pledge_calls) == 1


async def test_practices_with_their_events_cost_one_events_call(stack: Stack) -> None:
    practices = [await stack.practice() for _ in range(3)]
    featured = await stack.event(featured_practice_ids=[practices[0]["id"], practices[1]["id"]])
    await stack.event(featured_practice_ids=[practices[1]["id"]])
    stack.reset_counts()

    data = await stack.data(
        "{ practices { nodes { restId events { totalCount nodes { restId } } } } }"
    )

    counts = {node["restId"]: node["events"]["totalCount"] for node in data["practices"]["nodes"]}
    assert counts == {practices[0]["id"]: 1, practices[1]["id"]: 2, practices[2]["id"]: 0}
    first = next(n for n in data["practices"]["nodes"] if n["restId"] == practices[0]["id"])
    assert first["events"]["nodes"] == [{"restId": featured["id"]}]
    assert [call.url.path for call in stack.calls("events")] == ["/v1/events"]


async def test_organisations_with_practices_and_hosted_events_cost_one_call_per_service(
    stack: Stack,
) -> None:
    organisations = [await stack.organisation() for _ in range(3)]
    for organisation in organisations[:2]:
        await stack.practice(
            implementing_organisations=[{"id": organisation["id"], "name": organisation["name"]}]
        )
        await stack.event(hosts=[organisation["id"]])
    stack.reset_counts()

    data = await stack.data(
        "{ organisations { nodes { restId practices { totalCount }"
        " hostedEvents { totalCount } } } }"
    )

    counts = {
        node["restId"]: (node["practices"]["totalCount"], node["hostedEvents"]["totalCount"])
        for node in data["organisations"]["nodes"]
    }
    assert counts == {
        organisations[0]["id"]: (1, 1),
        organisations[1]["id"]: (1, 1),
        organisations[2]["id"]: (0, 0),
    }
    assert [call.url.path for call in stack.calls("practices")] == ["/v1/practices"]
    assert [call.url.path for call in stack.calls("events")] == ["/v1/events"]


async def test_registration_counts_of_a_page_of_events_cost_one_call(stack: Stack) -> None:
    events = [await stack.event(capacity=10) for _ in range(3)]
    for index, event in enumerate(events):
        for person in range(index):
            await stack.rest(
                "events",
                "POST",
                f"/v1/events/{event['id']}/registrations",
                {"name": f"Person {person}", "email": f"p{person}.{index}@example.org"},
            )
    stack.reset_counts()

    data = await stack.data(
        "{ events { nodes { restId registrationCounts { registered placesLeft } } } }"
    )

    counts = {node["restId"]: node["registrationCounts"] for node in data["events"]["nodes"]}
    assert counts == {
        event["id"]: {"registered": index, "placesLeft": 10 - index}
        for index, event in enumerate(events)
    }
    assert [call.url.path for call in stack.calls("events")] == [
        "/v1/events",
        "/v1/registration-counts",
    ]


async def test_pledges_with_their_ledger_entries_cost_one_entries_call(stack: Stack) -> None:
    organisation = await stack.organisation()
    pledges = [await stack.pledge(organisation["id"]) for _ in range(3)]
    for index, pledge in enumerate(pledges):
        for _ in range(index):
            await stack.rest(
                "pledges",
                "POST",
                f"/v1/pledges/{pledge['id']}/entries",
                {
                    "entry_type": "commitment",
                    "amount": {"amount": "1000", "currency": "USD"},
                    "value_date": "2023-01-10",
                    "recipient_country": "GTM",
                    "note": "internal",
                },
            )
    stack.reset_counts()

    data = await stack.data(
        "{ pledges { nodes { restId entries { totalCount nodes { note amount { amount } } } } } }"
    )

    counts = {node["restId"]: node["entries"]["totalCount"] for node in data["pledges"]["nodes"]}
    assert counts == {pledge["id"]: index for index, pledge in enumerate(pledges)}
    # Anonymous callers are no party to the pledge: the notes stay hidden in the batch.
    notes = {
        entry["note"] for node in data["pledges"]["nodes"] for entry in node["entries"]["nodes"]
    }
    assert notes == {None}
    assert [call.url.path for call in stack.calls("pledges")] == ["/v1/pledges", "/v1/entries"]
    secretariat = await stack.data(
        "{ pledges { nodes { entries { nodes { note } } } } }", None, SECRETARIAT
    )
    seen = {e["note"] for n in secretariat["pledges"]["nodes"] for e in n["entries"]["nodes"]}
    assert seen == {"internal"}


async def test_entries_of_several_pledges_leave_out_pledges_the_caller_cannot_see(
    stack: Stack,
) -> None:
    organisation = await stack.organisation()
    public = await stack.pledge(organisation["id"])
    restricted = await stack.pledge(organisation["id"], visibility="restricted")
    for pledge in (public, restricted):
        await stack.rest(
            "pledges",
            "POST",
            f"/v1/pledges/{pledge['id']}/entries",
            {
                "entry_type": "commitment",
                "amount": {"amount": "1000", "currency": "USD"},
                "value_date": "2023-01-10",
                "recipient_country": "GTM",
            },
        )

    response = await stack.services["pledges"].get(
        "/v1/entries", params={"pledge_id": f"{public['id']},{restricted['id']}"}
    )

    assert response.status_code == 200, response.text
    assert {entry["pledge_id"] for entry in response.json()["items"]} == {public["id"]}


async def test_pledges_with_their_history_cost_one_history_call(stack: Stack) -> None:
    own = await stack.organisation()
    other = await stack.organisation()
    mine = [await stack.pledge(own["id"]) for _ in range(3)]
    foreign = await stack.pledge(other["id"])
    stack.reset_counts()
    member = auth_headers("member", org_id=own["id"], sub="member-1")

    data = await stack.data("{ pledges { nodes { restId history { action } } } }", None, member)

    history = {node["restId"]: node["history"] for node in data["pledges"]["nodes"]}
    assert history == {
        **{pledge["id"]: [{"action": "created"}] for pledge in mine},
        foreign["id"]: None,
    }
    assert [call.url.path for call in stack.calls("pledges")] == [
        "/v1/pledges",
        "/v1/pledge-history",
    ]


async def test_events_with_their_registrations_cost_one_registrations_call(stack: Stack) -> None:
    events = [await stack.event(capacity=10) for _ in range(3)]
    for index, event in enumerate(events):
        for person in range(index):
            await stack.rest(
                "events",
                "POST",
                f"/v1/events/{event['id']}/registrations",
                {"name": f"Person {person}", "email": f"p{person}.{index}@example.org"},
            )
    stack.reset_counts()

    data = await stack.data(
        "{ events { nodes { restId registrations { totalCount nodes { email } } } } }",
        None,
        SECRETARIAT,
    )

    emails = {
        node["restId"]: [item["email"] for item in node["registrations"]["nodes"]]
        for node in data["events"]["nodes"]
    }
    assert emails == {
        event["id"]: [f"p{person}.{index}@example.org" for person in range(index)]
        for index, event in enumerate(events)
    }
    assert [call.url.path for call in stack.calls("events")] == [
        "/v1/events",
        "/v1/registrations",
    ]
    # Personal data stays with those who may see it: a stranger's organisation sees none.
    stranger = auth_headers("member", org_id="org-elsewhere", sub="stranger")
    theirs = await stack.data(
        "{ events { nodes { registrations { totalCount } } } }", None, stranger
    )
    assert [node["registrations"]["totalCount"] for node in theirs["events"]["nodes"]] == [0] * 3


async def test_events_with_their_occurrences_cost_one_occurrences_call(stack: Stack) -> None:
    series = await stack.event(
        kind="working_group_meeting",
        working_group="employment",
        starts_at="2023-03-07T10:00:00",
        ends_at="2023-03-07T11:00:00",
        timezone="America/Tijuana",
        recurrence={"rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=10"},
    )
    single = await stack.event()
    stack.reset_counts()

    data = await stack.data(
        "{ events { nodes { restId occurrences(limit: 4) { startsAt status } } } }"
    )

    occurrences = {node["restId"]: node["occurrences"] for node in data["events"]["nodes"]}
    assert len(occurrences[series["id"]]) == 4
    assert occurrences[series["id"]][0]["startsAt"].startswith("2023-03-07T10:00:00")
    assert [item["startsAt"][:10] for item in occurrences[series["id"]]] == [
        "2023-03-07",
        "2023-03-14",
        "2023-03-21",
        "2023-03-28",
    ]
    assert len(occurrences[single["id"]]) == 1
    assert [call.url.path for call in stack.calls("events")] == ["/v1/events", "/v1/occurrences"]


OBJECTIVE_PRACTICES = """
query ($sameCountry: Boolean!) {
  objectives { nodes {
    restId
    practices(sameCountry: $sameCountry) { totalCount nodes { restId } }
  } }
}
"""


async def test_objectives_with_their_practices_cost_one_practices_call(stack: Stack) -> None:
    jobs_gtm = await stack.objective()
    jobs_hnd = await stack.objective(country="HND")
    schools_hnd = await stack.objective(
        country="HND", theme="education", pillar="host_support", title={"es": "Escuelas"}
    )
    job_gtm = await stack.practice()
    job_hnd = await stack.practice(country="HND")
    school_gtm = await stack.practice(themes=["education"])
    both_hnd = await stack.practice(country="HND", themes=["education", "employment_livelihoods"])
    await stack.practice(themes=["health"])
    await stack.practice(publish=False, themes=["education"])  # a draft: not public
    stack.reset_counts()

    by_theme = await stack.data(OBJECTIVE_PRACTICES, {"sameCountry": False})
    in_country = await stack.data(OBJECTIVE_PRACTICES, {"sameCountry": True})

    def found(data: dict[str, Any]) -> dict[str, set[str]]:
        return {
            node["restId"]: {item["restId"] for item in node["practices"]["nodes"]}
            for node in data["objectives"]["nodes"]
        }

    jobs = {job_gtm["id"], job_hnd["id"], both_hnd["id"]}
    assert found(by_theme) == {
        jobs_gtm["id"]: jobs,
        jobs_hnd["id"]: jobs,
        schools_hnd["id"]: {school_gtm["id"], both_hnd["id"]},
    }
    assert found(in_country) == {
        jobs_gtm["id"]: {job_gtm["id"]},
        jobs_hnd["id"]: {job_hnd["id"], both_hnd["id"]},
        schools_hnd["id"]: {both_hnd["id"]},
    }
    # One practices call per query (each of one level), as each objective would list them.
    calls = stack.calls("practices")
    assert [call.url.path for call in calls] == ["/v1/practices", "/v1/practices"]
    # Each objective's list keeps the order of the service's own list for its theme.
    for objective in (jobs_gtm, schools_hnd):
        alone = await stack.services["practices"].get(
            "/v1/practices", params={"theme": objective["theme"], "facets": "false"}
        )
        assert [item["id"] for item in alone.json()["items"]] == [
            item["restId"]
            for node in by_theme["objectives"]["nodes"]
            if node["restId"] == objective["id"]
            for item in node["practices"]["nodes"]
        ]


async def test_practices_with_their_versions_and_transitions_cost_one_call_each(
    stack: Stack,
) -> None:
    practices = [await stack.practice() for _ in range(3)]
    edited = practices[0]
    await stack.rest(
        "practices",
        "PATCH",
        f"/v1/practices/{edited['id']}",
        {"summary": {"es": "Nuevo resumen", "en": "New summary"}},
        headers={**SECRETARIAT, "If-Match": f'"{edited["version"]}"'},
    )
    stack.reset_counts()

    data = await stack.data(
        "{ practices { nodes { restId versions { number kind } transitions { toStatus } } } }",
        None,
        SECRETARIAT,
    )

    nodes = {node["restId"]: node for node in data["practices"]["nodes"]}
    assert nodes[edited["id"]]["versions"] == [
        {"number": 1, "kind": "PUBLISHED"},
        {"number": 2, "kind": "EDITED"},
    ]
    for practice in practices[1:]:
        assert nodes[practice["id"]]["versions"] == [{"number": 1, "kind": "PUBLISHED"}]
    for practice in practices:
        steps = [step["toStatus"] for step in nodes[practice["id"]]["transitions"]]
        assert steps == ["SUBMITTED", "PUBLISHED"]
    assert sorted(call.url.path for call in stack.calls("practices")) == [
        "/v1/practice-transitions",
        "/v1/practice-versions",
        "/v1/practices",
    ]


async def test_versions_of_practices_one_level_down_cost_one_call_for_the_level(
    stack: Stack,
) -> None:
    organisations = [await stack.organisation() for _ in range(3)]
    practices = [
        await stack.practice(
            implementing_organisations=[{"id": organisation["id"], "name": organisation["name"]}]
        )
        for organisation in organisations
        for _ in range(2)
    ]
    stack.reset_counts()

    data = await stack.data(
        "{ organisations { nodes { restId practices { nodes { restId versions { number } } } } } }"
    )

    versions = {
        practice["restId"]: practice["versions"]
        for node in data["organisations"]["nodes"]
        for practice in node["practices"]["nodes"]
    }
    assert versions == {practice["id"]: [{"number": 1}] for practice in practices}
    # Organisations (pledges service), then their practices, then those practices' versions.
    assert [call.url.path for call in stack.calls("pledges")] == ["/v1/organisations"]
    assert [call.url.path for call in stack.calls("practices")] == [
        "/v1/practices",
        "/v1/practice-versions",
    ]
