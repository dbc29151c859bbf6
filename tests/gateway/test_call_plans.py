"""A query's upstream calls do not depend on timing; one pledge reads like a page's pledge."""

from __future__ import annotations

import random
from urllib.parse import parse_qs

from tests.gateway.conftest import Stack

ONE_PLEDGE = """
query($id: ID!) {
  pledge(id: $id) {
    title { en }
    contributor { name }
    objectives { title { en } }
    announcedAt { title { es } }
  }
}
"""

DEPTH_FOUR = """
{ countries { code pledges(first: 5) { nodes { title { en }
    contributor { name pledges(first: 5) { totalCount nodes { title { en } } } } } } } }
"""


async def test_one_pledge_embeds_its_contributor_like_a_page(stack: Stack) -> None:
    organisation = await stack.organisation()
    objective = await stack.objective()
    event = await stack.event()
    pledge = await stack.pledge(
        organisation["id"], objective_ids=[objective["id"]], announced_at=event["id"]
    )
    stack.reset_counts()

    data = await stack.data(ONE_PLEDGE, {"id": pledge["id"]})

    assert data["pledge"]["contributor"]["name"] == organisation["name"]
    assert len(data["pledge"]["objectives"]) == 1
    assert data["pledge"]["announcedAt"] is not None
    # Three calls, as for a page: the pledge with its contributor, the objectives, the event.
    pledge_calls = stack.calls("pledges")
    assert [call.url.path for call in pledge_calls] == ["/v1/pledges", "/v1/objectives"]
    assert parse_qs(pledge_calls[0].url.query.decode())["include"] == ["contributor"]
    assert len(stack.calls("events")) == 1


async def test_an_unknown_pledge_is_null_after_one_call(stack: Stack) -> None:
    stack.reset_counts()
    data = await stack.data(ONE_PLEDGE, {"id": "00000000-0000-4000-8000-000000000000"})
    assert data["pledge"] is None
    assert len(stack.calls("pledges")) == 1


async def test_a_depth_four_query_costs_the_same_calls_whatever_the_timing(stack: Stack) -> None:
    organisations = [await stack.organisation() for _ in range(4)]
    for index, country in enumerate(["GTM", "HND", "SLV", "PAN", "CRI", "GTM", "BLZ", "MEX"]):
        await stack.pledge(organisations[index % 4]["id"], recipient_countries=[country])
    answers, costs = [], []
    for seed in range(4):
        jitter = random.Random(seed)
        for transport in stack.transports.values():
            transport.delay = lambda jitter=jitter: jitter.uniform(0, 0.02)
        stack.reset_counts()
        answers.append(await stack.data(DEPTH_FOUR))
        costs.append(sum(len(stack.calls(name)) for name in stack.transports))
    assert all(answer == answers[0] for answer in answers)
    # One page of pledges per country (7), then one call for every contributor's pledges.
    assert costs == [8, 8, 8, 8], costs
