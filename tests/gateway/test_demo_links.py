"""The three demo data sets refer to one another: every cross-service field resolves."""

from __future__ import annotations

from typing import Any

from services.cli import load_demo
from tests.gateway.conftest import SECRETARIAT, DatabaseUrlFor, RunApp, Stack, start_stack

LINKS = """
{
  pledges(first: 50) { totalCount nodes { title { en } announcedAt { kind startsAt } } }
  events(first: 50) {
    nodes {
      title { en }
      hostIds
      hosts { name }
      featuredPractices { title { en } }
      pledgesAnnounced(first: 50) { totalCount }
      outcomes { nodes { kind pledge { contributor { acronym } amount { amount currency } } } }
    }
  }
  practices(first: 50) { nodes { title { es } implementingOrganisations { name } } }
}
"""


async def demo_stack(run_app: RunApp, database_url_for: DatabaseUrlFor) -> Stack:
    async def demo_database(service: str) -> str:
        url = await database_url_for(service)
        assert await load_demo(service, url) == "demo data loaded"
        return url

    return await start_stack(run_app, demo_database)


def by_title(events: list[dict[str, Any]], fragment: str) -> dict[str, Any]:
    (event,) = [event for event in events if fragment in event["title"]["en"]]
    return event


async def test_demo_records_refer_to_one_another_across_services(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    stack = await demo_stack(run_app, database_url_for)

    data = await stack.data(LINKS, headers=SECRETARIAT)

    pledges = data["pledges"]["nodes"]
    # The 18 of the solidarity event, and the two pledges being cultivated for the 2023
    # GRF (the Honduran government's policy pledge and the IDB/CABEI joint pledge that
    # would fund it; the secretariat sees them), and the two companies' employment pledges
    # announced at the first learning event of 2023.
    kinds = [pledge["announcedAt"]["kind"] for pledge in pledges]
    assert (
        kinds.count("SOLIDARITY_EVENT"),
        kinds.count("GLOBAL_REFUGEE_FORUM"),
        kinds.count("LEARNING_EVENT"),
    ) == (18, 2, 2)
    assert len(pledges) == 22
    events = data["events"]["nodes"]
    assert all(len(event["hosts"]) == len(event["hostIds"]) > 0 for event in events)
    solidarity = by_title(events, "UNGA 77")
    assert {host["name"] for host in solidarity["hosts"]} == {
        "United States of America",
        "Canada",
    }
    assert solidarity["pledgesAnnounced"]["totalCount"] == 18
    (commitment,) = solidarity["outcomes"]["nodes"]
    assert commitment["kind"] == "RESOURCE_COMMITMENT"
    assert commitment["pledge"] == {
        "contributor": {"acronym": "USA"},
        "amount": {"amount": "70000000.0000", "currency": "USD"},
    }
    first_learning_event = by_title(events, "First learning event")
    assert len(first_learning_event["featuredPractices"]) == 2
    assert len(by_title(events, "field visit")["featuredPractices"]) == 1
    practices = data["practices"]["nodes"]
    assert practices
    assert all(len(practice["implementingOrganisations"]) == 1 for practice in practices)
