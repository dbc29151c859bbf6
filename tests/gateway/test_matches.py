"""Matches and joint pledges through the gateway: propose, move, the GRF view, shares."""

from __future__ import annotations

from tests.conftest import auth_headers
from tests.gateway.conftest import SECRETARIAT, Stack

PROPOSE = """mutation($input: ProposeMatchInput!) {
  proposeMatch(input: $input) { match { restId status version } }
}"""
MOVE = """mutation($input: TransitionMatchInput!) {
  transitionMatch(input: $input) { match { status version history { toStatus note } } }
}"""
SHARES = """mutation($input: SetPledgeContributorsInput!) {
  setPledgeContributors(input: $input) {
    contributors { organisation { restId } lead sharePercent }
  }
}"""


async def test_a_match_goes_to_the_grf_and_shows_on_its_pledges(stack: Stack) -> None:
    host = await stack.organisation(kind="state", country="HND")
    donor = await stack.organisation(kind="multilateral_development_bank")
    event = await stack.event()
    need = await stack.pledge(host["id"], kind="policy", amount=None, recipient_countries=["HND"])
    support = await stack.pledge(donor["id"], recipient_countries=["HND"])
    proposed = await stack.data(
        PROPOSE,
        {"input": {"needPledgeId": need["id"], "supportPledgeIds": [support["id"]]}},
        headers=auth_headers("partner", org_id=donor["id"]),
    )
    match = proposed["proposeMatch"]["match"]
    assert match["status"] == "PROPOSED"
    version = match["version"]
    for status, extra in (("UNDER_DISCUSSION", {}), ("AGREED", {"eventId": event["id"]})):
        moved = await stack.data(
            MOVE,
            {
                "input": {
                    "matchId": match["restId"],
                    "status": status,
                    "expectedVersion": version,
                    "note": f"to {status}",
                    **extra,
                }
            },
            headers=SECRETARIAT,
        )
        version = moved["transitionMatch"]["match"]["version"]
    illegal = await stack.query(
        MOVE, {"input": {"matchId": match["restId"], "status": "PROPOSED"}}, headers=SECRETARIAT
    )
    assert illegal["errors"][0]["extensions"]["code"] == "CONFLICT"
    view = await stack.data(
        """query($event: String!) {
          matchAnnouncements(eventId: $event) {
            agreed { restId needPledge { restId } supportPledges { restId } event { restId } }
          }
        }""",
        {"event": event["id"]},
    )
    assert view["matchAnnouncements"]["agreed"] == [
        {
            "restId": match["restId"],
            "needPledge": {"restId": need["id"]},
            "supportPledges": [{"restId": support["id"]}],
            "event": {"restId": event["id"]},
        }
    ]
    listed = await stack.data(
        '{ matches(status: [AGREED], country: "HND") { nodes { restId history { toStatus } } } }'
    )
    assert listed["matches"]["nodes"] == [
        {
            "restId": match["restId"],
            "history": [
                {"toStatus": "PROPOSED"},
                {"toStatus": "UNDER_DISCUSSION"},
                {"toStatus": "AGREED"},
            ],
        }
    ]
    stack.reset_counts()
    pledges = await stack.data("{ pledges { nodes { restId matches { restId status } } } }")
    by_pledge = {p["restId"]: p["matches"] for p in pledges["pledges"]["nodes"]}
    assert by_pledge[need["id"]] == [{"restId": match["restId"], "status": "AGREED"}]
    assert by_pledge[support["id"]] == [{"restId": match["restId"], "status": "AGREED"}]
    match_calls = [r for r in stack.calls("pledges") if r.url.path == "/v1/matches"]
    assert len(match_calls) == 1


async def test_shares_are_set_and_read_through_the_graph(stack: Stack) -> None:
    lead = await stack.organisation()
    co = await stack.organisation(kind="private_sector")
    pledge = await stack.pledge(lead["id"])
    contributors = [
        {"organisationId": lead["id"], "percentage": "75"},
        {"organisationId": co["id"], "percentage": "25"},
    ]
    short = [contributors[0], {"organisationId": co["id"], "percentage": "20"}]
    refused = await stack.query(
        SHARES, {"input": {"pledgeId": pledge["id"], "contributors": short}}, headers=SECRETARIAT
    )
    assert "contributors" in refused["errors"][0]["message"]
    done = await stack.data(
        SHARES,
        {"input": {"pledgeId": pledge["id"], "contributors": contributors}},
        headers=SECRETARIAT,
    )
    assert done["setPledgeContributors"]["contributors"] == [
        {"organisation": {"restId": lead["id"]}, "lead": True, "sharePercent": "75.000000"},
        {"organisation": {"restId": co["id"]}, "lead": False, "sharePercent": "25.000000"},
    ]
    read = await stack.data(
        """query($id: ID!) { pledge(id: $id) {
          contributors { organisation { restId kind } sharePercent } } }""",
        {"id": pledge["id"]},
    )
    assert [c["organisation"]["kind"] for c in read["pledge"]["contributors"]] == [
        "STATE",
        "PRIVATE_SECTOR",
    ]


async def test_a_match_of_a_cultivating_pledge_never_leaks_through_the_graph(
    stack: Stack,
) -> None:
    host = await stack.organisation(kind="state", country="HND")
    donor = await stack.organisation(kind="multilateral_development_bank")
    need = await stack.pledge(host["id"], kind="policy", amount=None, recipient_countries=["HND"])
    support = await stack.pledge(
        donor["id"], recipient_countries=["HND"], stage="cultivating", announced_on="2023-11-01"
    )
    await stack.data(
        PROPOSE,
        {
            "input": {
                "needPledgeId": need["id"],
                "supportPledgeIds": [support["id"]],
                "eventId": "grf-2023",
            }
        },
        headers=SECRETARIAT,
    )
    query = """{ matches { nodes { restId } }
      pledges { nodes { restId matches { restId } } } }"""
    for outsider in ({}, auth_headers("country_focal_point", countries=("GTM",))):
        data = await stack.data(query, headers=outsider)
        assert data["matches"]["nodes"] == []
        assert [p["matches"] for p in data["pledges"]["nodes"]] == [[]]
    party = await stack.data(query, headers=auth_headers("partner", org_id=donor["id"]))
    assert len(party["matches"]["nodes"]) == 1
