"""Batching: a nested query costs at most one call per service and resource per level."""

from __future__ import annotations

from urllib.parse import parse_qs

from tests.gateway.conftest import Stack

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


async def test_fifty_pledges_with_contributors_objectives_and_events_cost_four_calls(
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
    pledge_calls = stack.calls("pledges")
    event_calls = stack.calls("events")
    # One list call, then one batched call per resource at the next level.
    assert [call.url.path for call in pledge_calls].count("/v1/pledges") == 1
    assert [call.url.path for call in pledge_calls].count("/v1/organisations") == 1
    assert [call.url.path for call in pledge_calls].count("/v1/objectives") == 1
    assert len(pledge_calls) == 3
    assert len(event_calls) == 1
    assert stack.calls("practices") == []
    batch = parse_qs(event_calls[0].url.query.decode())
    assert sorted(batch["ids"][0].split(",")) == sorted(event["id"] for event in events)


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
