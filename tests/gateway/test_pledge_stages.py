"""Cultivating pledges through the gateway: invisible to others, announced by a mutation."""

from __future__ import annotations

from tests.conftest import auth_headers
from tests.gateway.conftest import SECRETARIAT, Stack

SEEN = "{ pledges { nodes { stage implementationStatus } } }"
TOTAL = "{ fundingSummary(groupBy: [COUNTRY]) { totals { pledged { amount } } } }"
ANNOUNCE = """mutation($input: AnnouncePledgeInput!) {
  announcePledge(input: $input) { pledge { stage announcedOn announcedAt { restId } } }
}"""


async def test_a_cultivating_pledge_is_hidden_until_announced_by_mutation(stack: Stack) -> None:
    donor = await stack.organisation(kind="multilateral_development_bank")
    event = await stack.event()
    member = auth_headers("member", org_id=donor["id"], sub="member-1")
    created = await stack.data(
        """mutation($input: CreatePledgeInput!) {
          createPledge(input: $input) { pledge { id stage implementationStatus } }
        }""",
        {
            "input": {
                "contributorId": donor["id"],
                "kind": "FINANCIAL",
                "title": {"en": "Jobs fund"},
                "amount": {"amount": "250000", "currency": "USD"},
                "announcedOn": "2023-11-01",
                "recipientCountries": ["HND"],
                "stage": "CULTIVATING",
            }
        },
        headers=member,
    )
    pledge = created["createPledge"]["pledge"]
    assert (pledge["stage"], pledge["implementationStatus"]) == ("CULTIVATING", None)
    for outsider in ({}, auth_headers("country_focal_point", countries=("GTM",))):
        assert (await stack.data(SEEN, headers=outsider))["pledges"]["nodes"] == []
        total = await stack.data(TOTAL, headers=outsider)
        assert total["fundingSummary"]["totals"]["pledged"]["amount"] == "0.00"
    focal = auth_headers("country_focal_point", countries=("HND",))
    assert len((await stack.data(SEEN, headers=focal))["pledges"]["nodes"]) == 1
    secretariat = await stack.data(TOTAL, headers=SECRETARIAT)
    assert secretariat["fundingSummary"]["totals"]["pledged"]["amount"] == "0.00"

    announce = {"id": pledge["id"], "announcedOn": "2023-12-14", "announcedAtEventId": event["id"]}
    announced = await stack.data(ANNOUNCE, {"input": announce}, headers=member)
    assert announced["announcePledge"]["pledge"] == {
        "stage": "ANNOUNCED",
        "announcedOn": "2023-12-14",
        "announcedAt": {"restId": event["id"]},
    }
    public = await stack.data(SEEN)
    assert public["pledges"]["nodes"] == [
        {"stage": "ANNOUNCED", "implementationStatus": "PLANNING"}
    ]
    assert (await stack.data(TOTAL))["fundingSummary"]["totals"]["pledged"]["amount"] == "250000.00"
    again = await stack.query(ANNOUNCE, {"input": announce}, headers=member)
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"


async def test_a_progress_update_reaches_the_pledge_and_the_synthesis(stack: Stack) -> None:
    donor = await stack.organisation()
    pledge = await stack.pledge(donor["id"], announced_on="2023-07-01")
    member = auth_headers("member", org_id=donor["id"], sub="member-1")
    added = await stack.data(
        """mutation($input: AddProgressUpdateInput!) {
          addProgressUpdate(input: $input) {
            progressUpdate { reportedOn implementationStatus figures { label value } }
          }
        }""",
        {
            "input": {
                "pledgeId": pledge["id"],
                "reportedOn": "2023-12-20",
                "narrative": {"en": "120 refugees hired."},
                "figures": [{"label": "people_hired", "value": "120"}],
            }
        },
        headers=member,
    )
    update = added["addProgressUpdate"]["progressUpdate"]
    assert update["figures"] == [{"label": "people_hired", "value": "120"}]
    seen = await stack.data(
        """query { synthesis(period: "2023-H2") {
          recentUpdates { narrative { en } pledge { restId } }
        } }"""
    )
    assert seen["synthesis"]["recentUpdates"] == [
        {"narrative": {"en": "120 refugees hired."}, "pledge": {"restId": pledge["id"]}}
    ]
