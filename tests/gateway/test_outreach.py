"""Employment pledges, the employment report and the outreach pipeline through the gateway:
prospects and their contacts reach the secretariat and the owner only."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth_headers
from tests.gateway.conftest import SECRETARIAT, Stack

EMAIL = "ana.perez@example.org"
CREATE_PLEDGE = """mutation($input: CreatePledgeInput!) {
  createPledge(input: $input) {
    pledge { kind illustrative employment {
      hiringPractice jobsTargeted hiringCountries { country { code } jobsTargeted }
      companies { name kind }
    } }
  }
}"""
REPORT = """{ employmentReport {
  companiesInTwoOrMoreCountries jobsTargeted
  companies { name countries { code } pledges { kind } }
  countries { country { code } jobsTargeted companies pledges }
} }"""
PROSPECTS = """{ prospects { nodes { id name status contact { name email } owner { sub } } } }"""


async def test_an_employment_pledge_by_mutation_counts_in_the_report(stack: Stack) -> None:
    alfa = await stack.organisation(name="Alfa", kind="private_sector")
    beta = await stack.organisation(name="Beta", kind="private_sector")
    created = await stack.data(
        CREATE_PLEDGE,
        {
            "input": {
                "contributorId": alfa["id"],
                "kind": "EMPLOYMENT",
                "title": {"en": "Jobs for refugees"},
                "announcedOn": "2023-12-13",
                "recipientCountries": ["GTM", "HND"],
                "illustrative": True,
                "employment": {
                    "hiringPractice": "QUOTA",
                    "hiringCountries": [
                        {"country": "GTM", "jobsTargeted": 300},
                        {"country": "HND", "jobsTargeted": 200},
                    ],
                    "companyIds": [alfa["id"], beta["id"]],
                },
            }
        },
        headers=SECRETARIAT,
    )
    pledge = created["createPledge"]["pledge"]
    assert pledge["illustrative"] is True
    assert pledge["employment"]["jobsTargeted"] == 500
    assert sorted(c["name"] for c in pledge["employment"]["companies"]) == ["Alfa", "Beta"]
    report = (await stack.data(REPORT))["employmentReport"]
    assert report["companiesInTwoOrMoreCountries"] == 2
    assert report["companies"][0] == {
        "name": "Alfa",
        "countries": [{"code": "GTM"}, {"code": "HND"}],
        "pledges": [{"kind": "EMPLOYMENT"}],
    }
    assert report["countries"][0] == {
        "country": {"code": "GTM"},
        "jobsTargeted": 300,
        "companies": 2,
        "pledges": 1,
    }
    ministry = await stack.organisation(kind="state")
    refused = await stack.query(
        CREATE_PLEDGE,
        {
            "input": {
                "contributorId": alfa["id"],
                "kind": "EMPLOYMENT",
                "title": {"en": "Jobs"},
                "announcedOn": "2023-12-13",
                "recipientCountries": ["GTM"],
                "employment": {
                    "hiringPractice": "QUOTA",
                    "hiringCountries": [{"country": "GTM", "jobsTargeted": 5}],
                    "companyIds": [ministry["id"]],
                },
            }
        },
        headers=SECRETARIAT,
    )
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def _pipeline(stack: Stack) -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    member_org = await stack.organisation(name="Member A", sp_member_since="2019-06-01")
    other_org = await stack.organisation(name="Member B", sp_member_since="2019-06-01")
    roles = {
        "owner": auth_headers("member", org_id=member_org["id"], sub="owner-1"),
        "other member": auth_headers("member", org_id=other_org["id"], sub="other-1"),
        "focal point": auth_headers("country_focal_point", countries=("GTM",), sub="fp-1"),
        "secretariat": SECRETARIAT,
    }
    created = await stack.data(
        """mutation($input: CreateProspectInput!) {
          createProspect(input: $input) { prospect { id status version owner { sub } } }
        }""",
        {
            "input": {
                "name": "Textiles del Norte",
                "kind": "PRIVATE_SECTOR",
                "country": "GTM",
                "contact": {"name": "Ana Pérez", "email": EMAIL},
                "nextStep": {"text": "Send the template", "dueOn": "2023-10-02"},
            }
        },
        headers=roles["owner"],
    )
    return roles, created["createProspect"]["prospect"]


async def test_prospects_and_contacts_reach_the_secretariat_and_the_owner_only(
    stack: Stack,
) -> None:
    roles, prospect = await _pipeline(stack)
    assert prospect["owner"] == {"sub": "owner-1"}
    one = """query($id: ID!) { prospect(id: $id) { name contact { email } } }"""
    for role, headers in roles.items():
        listed = await stack.data(PROSPECTS, headers=headers)
        read = await stack.data(one, {"id": prospect["id"]}, headers=headers)
        if role in ("owner", "secretariat"):
            assert listed["prospects"]["nodes"][0]["contact"]["email"] == EMAIL
            assert read["prospect"]["contact"]["email"] == EMAIL
        else:
            assert listed["prospects"]["nodes"] == []
            assert read["prospect"] is None
    anonymous = await stack.query(PROSPECTS)
    assert anonymous["data"]["prospects"] is None
    assert EMAIL not in str(anonymous)


async def test_a_prospect_moves_through_the_pipeline_by_mutation(stack: Stack) -> None:
    roles, prospect = await _pipeline(stack)
    move = """mutation($input: MoveProspectInput!) {
      moveProspect(input: $input) {
        prospect { status pledge { kind } statusHistory { fromStatus toStatus } }
      }
    }"""
    skipped = await stack.query(
        move, {"input": {"id": prospect["id"], "status": "PLEDGED"}}, headers=roles["owner"]
    )
    assert skipped["errors"][0]["extensions"]["code"] in ("CONFLICT", "BAD_USER_INPUT")
    added = await stack.data(
        """mutation($input: AddProspectInteractionInput!) {
          addProspectInteraction(input: $input) { prospect { interactions { channel summary } } }
        }""",
        {
            "input": {
                "prospectId": prospect["id"],
                "occurredOn": "2023-09-20",
                "channel": "MEETING",
                "summary": "Interested in a quota.",
            }
        },
        headers=roles["owner"],
    )
    assert added["addProspectInteraction"]["prospect"]["interactions"] == [
        {"channel": "MEETING", "summary": "Interested in a quota."}
    ]
    for status in ("APPROACHED", "INTERESTED"):
        await stack.data(
            move, {"input": {"id": prospect["id"], "status": status}}, headers=roles["owner"]
        )
    company = await stack.organisation(name="Textiles del Norte", kind="private_sector")
    pledge = await stack.pledge(company["id"], kind="technical", amount=None)
    done = await stack.data(
        move,
        {"input": {"id": prospect["id"], "status": "PLEDGED", "pledgeId": pledge["id"]}},
        headers=roles["owner"],
    )
    moved = done["moveProspect"]["prospect"]
    assert moved["status"] == "PLEDGED"
    assert moved["pledge"] == {"kind": "TECHNICAL"}
    assert [h["toStatus"] for h in moved["statusHistory"]] == [
        "IDENTIFIED",
        "APPROACHED",
        "INTERESTED",
        "PLEDGED",
    ]
    outsider = await stack.query(
        move, {"input": {"id": prospect["id"], "status": "DECLINED"}}, headers=roles["other member"]
    )
    assert outsider["errors"][0]["extensions"]["code"] == "NOT_FOUND"
