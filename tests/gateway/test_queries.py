"""Every query and cross-service field, against the real services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.gateway.conftest import SECRETARIAT, DatabaseUrlFor, RunApp, Stack, start_stack


@dataclass
class World:
    """A small, linked data set across the three services."""

    host: dict[str, Any]
    contributor: dict[str, Any]
    objective: dict[str, Any]
    other_objective: dict[str, Any]
    pledge: dict[str, Any]
    practice: dict[str, Any]
    gap: dict[str, Any]
    event: dict[str, Any]
    outcome: dict[str, Any]


async def build_world(stack: Stack) -> World:
    host = await stack.organisation(
        name="Banco Interamericano de Desarrollo", kind="multilateral_development_bank"
    )
    contributor = await stack.organisation(name="España", kind="state", country="ESP")
    objective = await stack.objective(
        title={"es": "Empleo en Guatemala", "en": "Jobs in Guatemala"},
        requirement={"amount": "1000000", "currency": "USD"},
    )
    other_objective = await stack.objective(
        country="HND", theme="education", pillar="host_support", title={"es": "Escuelas"}
    )
    practice = await stack.practice(
        implementing_organisations=[{"id": host["id"], "name": "BID"}],
        title={"es": "Ventanilla única de empleo", "en": "One-stop job centre"},
    )
    gap = await stack.rest(
        "practices",
        "POST",
        "/v1/inventory-items",
        {
            "country": "GTM",
            "theme": "employment_livelihoods",
            "kind": "gap",
            "severity": "high",
            "title": {"es": "Sin acceso a empleo formal"},
            "as_of_date": "2023-06-30",
        },
    )
    event = await stack.event(
        title={"es": "Evento de aprendizaje sobre empleo", "en": "Learning event on jobs"},
        hosts=[host["id"]],
        featured_practice_ids=[practice["id"]],
        themes=["employment_livelihoods"],
        countries=["GTM"],
    )
    pledge = await stack.pledge(
        contributor["id"],
        amount={"amount": "400000", "currency": "USD"},
        objective_ids=[objective["id"]],
        announced_at=event["id"],
        title={"es": "Empleo juvenil", "en": "Youth jobs"},
    )
    await stack.rest(
        "pledges",
        "POST",
        f"/v1/pledges/{pledge['id']}/entries",
        {
            "entry_type": "commitment",
            "amount": {"amount": "250000", "currency": "USD"},
            "value_date": "2023-02-01",
            "recipient_country": "GTM",
            "objective_id": objective["id"],
        },
    )
    await stack.rest("events", "POST", f"/v1/events/{event['id']}/hold")
    outcome = await stack.rest(
        "events",
        "POST",
        f"/v1/events/{event['id']}/outcomes",
        {
            "kind": "resource_commitment",
            "country": "GTM",
            "description": {"es": "España financia empleo juvenil"},
            "pledge_id": pledge["id"],
        },
    )
    return World(
        host, contributor, objective, other_objective, pledge, practice, gap, event, outcome
    )


@pytest.fixture
async def world(stack: Stack) -> World:
    return await build_world(stack)


GUATEMALA = """
query Guatemala {
  country(code: "GTM") {
    name { es }
    objectives(theme: "employment_livelihoods") {
      edges { node {
        title { text(lang: ES) }
        gap { requirement { amount } committed { amount } gap { amount currency } coveragePercent }
        practices(first: 5) { totalCount edges { node { title { es } } } }
        pledges { edges { node {
          title { en }
          contributor { name }
          announcedAt { title { es } status }
        } } }
        matchingSuggestions { score pledge { title { en } } reasons }
      } }
    }
    events(first: 1) { edges { node { title { en } startsAt featuredPractices { title { es } } } } }
  }
}
"""


async def test_the_guatemala_query_answers_in_one_request(stack: Stack, world: World) -> None:
    data = await stack.data(GUATEMALA)

    country = data["country"]
    assert country["name"]["es"] == "Guatemala"
    (objective,) = [edge["node"] for edge in country["objectives"]["edges"]]
    assert objective["title"]["text"] == "Empleo en Guatemala"
    assert objective["gap"]["requirement"]["amount"].startswith("1000000")
    assert objective["gap"]["committed"]["amount"].startswith("250000")
    assert objective["gap"]["gap"] == {
        "amount": objective["gap"]["gap"]["amount"],
        "currency": "USD",
    }
    assert objective["gap"]["gap"]["amount"].startswith("750000")
    assert objective["practices"]["totalCount"] == 1
    assert objective["practices"]["edges"][0]["node"]["title"]["es"] == "Ventanilla única de empleo"
    (pledge,) = [edge["node"] for edge in objective["pledges"]["edges"]]
    assert pledge["contributor"] == {"name": "España"}
    assert pledge["announcedAt"] == {
        "title": {"es": "Evento de aprendizaje sobre empleo"},
        "status": "HELD",
    }
    event = country["events"]["edges"][0]["node"]
    assert event["featuredPractices"] == [{"title": {"es": "Ventanilla única de empleo"}}]


async def test_event_fields_reach_hosts_practices_outcomes_and_pledges(
    stack: Stack, world: World
) -> None:
    data = await stack.data(
        """query($id: ID!) { event(id: $id) {
          id kind status timezone countries { code } themes { code name { es } }
          hosts { name kind }
          featuredPractices { restId }
          outcomes { totalCount edges { node {
            kind description { es } pledge { restId } event { restId } country { code }
          } } }
          pledgesAnnounced { edges { node { restId } } }
          registrationCounts { registered capacity }
        } }""",
        {"id": world.event["id"]},
    )

    event = data["event"]
    assert event["hosts"] == [
        {"name": "Banco Interamericano de Desarrollo", "kind": "MULTILATERAL_DEVELOPMENT_BANK"}
    ]
    assert event["featuredPractices"] == [{"restId": world.practice["id"]}]
    (outcome,) = [edge["node"] for edge in event["outcomes"]["edges"]]
    assert outcome["pledge"] == {"restId": world.pledge["id"]}
    assert outcome["event"] == {"restId": world.event["id"]}
    assert outcome["country"] == {"code": "GTM"}
    assert event["pledgesAnnounced"]["edges"] == [{"node": {"restId": world.pledge["id"]}}]
    assert event["registrationCounts"]["registered"] == 0
    assert event["themes"][0]["name"]["es"] == "Empleo y medios de vida"


async def test_an_organisation_reaches_its_practices_and_hosted_events(
    stack: Stack, world: World
) -> None:
    data = await stack.data(
        """query($id: ID!) { organisation(id: $id) {
          practices { totalCount nodes { restId } }
          hostedEvents { nodes { restId } }
        } }""",
        {"id": world.host["id"]},
    )

    assert data["organisation"]["practices"]["nodes"] == [{"restId": world.practice["id"]}]
    assert data["organisation"]["hostedEvents"]["nodes"] == [{"restId": world.event["id"]}]


async def test_practice_fields_reach_organisations_and_events(stack: Stack, world: World) -> None:
    data = await stack.data(
        """query($id: ID!) { practice(id: $id) {
          status country { code } themes { code }
          implementingOrganisationNames { name organisation { restId } }
          implementingOrganisations { name }
          events { edges { node { restId } } }
          contacts { name }
        } }""",
        {"id": world.practice["id"]},
    )

    practice = data["practice"]
    assert practice["status"] == "PUBLISHED"
    assert practice["implementingOrganisations"] == [{"name": "Banco Interamericano de Desarrollo"}]
    assert practice["implementingOrganisationNames"] == [
        {"name": "BID", "organisation": {"restId": world.host["id"]}}
    ]
    assert practice["events"]["edges"] == [{"node": {"restId": world.event["id"]}}]
    assert practice["contacts"] is None  # anonymous callers never see contacts


async def test_practice_search_exposes_filters_total_and_facets(stack: Stack, world: World) -> None:
    await stack.practice(country="HND", themes=["education"], title={"es": "Escuela abierta"})

    data = await stack.data(
        """{ practices(q: "empleo", country: ["GTM"]) {
          totalCount edges { node { title { es } } }
          facets { theme { value count } country { value count } }
        }
        all: practices { totalCount facets { country { value count } } } }"""
    )

    assert data["practices"]["totalCount"] == 1
    assert data["practices"]["facets"]["country"] == [{"value": "GTM", "count": 1}]
    assert data["all"]["totalCount"] == 2
    assert sorted(item["value"] for item in data["all"]["facets"]["country"]) == ["GTM", "HND"]


async def test_pledge_fields_reach_ledger_history_and_matching(stack: Stack, world: World) -> None:
    data = await stack.data(
        """query($id: ID!) { pledge(id: $id) {
          kind financialStatus regional recipientCountries { code name { en } }
          amount { amount currency amountUsd }
          totals { committed { amount currency } disbursed { amount } }
          allocationStated
          allocation {
            country { code } objective { restId } amount { amount currency amountUsd }
            committed { amount }
          }
          entries { totalCount edges { node {
            entryType amount { amount } objective { restId } pledge { restId }
          } } }
          history { action changedBy }
          matchingSuggestions { objective { restId } score }
        } }""",
        {"id": world.pledge["id"]},
        headers=SECRETARIAT,
    )

    pledge = data["pledge"]
    assert pledge["financialStatus"] == "PARTIALLY_COMMITTED"
    assert pledge["recipientCountries"] == [{"code": "GTM", "name": {"en": "Guatemala"}}]
    assert pledge["amount"]["currency"] == "USD"
    assert pledge["totals"]["committed"]["amount"].startswith("250000")
    # The equal split: the one linked objective's line holds the whole amount.
    assert pledge["allocationStated"] is False
    (line,) = pledge["allocation"]
    assert line["country"] == {"code": "GTM"}
    assert line["objective"] == {"restId": world.objective["id"]}
    assert line["amount"]["amount"] == pledge["amount"]["amount"]
    assert line["committed"]["amount"].startswith("250000")
    (entry,) = [edge["node"] for edge in pledge["entries"]["edges"]]
    assert entry["objective"] == {"restId": world.objective["id"]}
    assert entry["pledge"] == {"restId": world.pledge["id"]}
    assert pledge["history"][0]["action"] == "created"
    assert all(item["score"] is not None for item in pledge["matchingSuggestions"])


async def test_node_refetches_any_object_by_global_id(stack: Stack, world: World) -> None:
    listed = await stack.data(
        "{ pledges { edges { node { id contributor { id } announcedAt { id } } } }"
        " countries { id code } }"
    )
    pledge = listed["pledges"]["edges"][0]["node"]

    for global_id, expected in [
        (pledge["id"], "Pledge"),
        (pledge["contributor"]["id"], "Organisation"),
        (pledge["announcedAt"]["id"], "Event"),
        (listed["countries"][3]["id"], "Country"),
    ]:
        data = await stack.data(
            "query($id: ID!) { node(id: $id) { __typename id } }", {"id": global_id}
        )
        assert data["node"] == {"__typename": expected, "id": global_id}


async def test_country_fields_join_the_three_services(stack: Stack, world: World) -> None:
    data = await stack.data(
        """{ country(code: "GTM") {
          code isMirps
          objectives { totalCount }
          pledges { edges { node { restId } } }
          practices { totalCount }
          inventory(kind: GAP) { edges { node { kind severity title { es } } } }
          events { edges { node { restId } } }
          gaps {
            objectives { objective { restId } gap { amount } }
            countries { country { code } requirement { amount } }
          }
          summary(groupBy: [PLEDGE_KIND]) {
            rows {
              group { dimension value } pledges contributors
              totals { pledged { amount } committed { amount } }
            }
          }
        } }"""
    )

    country = data["country"]
    assert country["objectives"]["totalCount"] is None  # the pledges service does not count
    assert country["pledges"]["edges"] == [{"node": {"restId": world.pledge["id"]}}]
    assert country["practices"]["totalCount"] == 1
    assert country["inventory"]["edges"][0]["node"]["severity"] == "HIGH"
    assert country["events"]["edges"] == [{"node": {"restId": world.event["id"]}}]
    assert country["gaps"]["objectives"][0]["objective"] == {"restId": world.objective["id"]}
    assert country["gaps"]["countries"][0]["country"] == {"code": "GTM"}
    (row,) = country["summary"]["rows"]
    assert row["group"] == [{"dimension": "PLEDGE_KIND", "value": "financial"}]
    assert row["totals"]["pledged"]["amount"].startswith("400000")
    assert (row["pledges"], row["contributors"]) == (1, 1)


async def test_organisation_pledges_and_the_root_lists(stack: Stack, world: World) -> None:
    data = await stack.data(
        """query($org: ID!, $gap: ID!) {
          organisation(id: $org) { name pledges { edges { node { restId } } } }
          organisations(kind: STATE) { edges { node { name } } }
          objectives(country: "HND") { edges { node { restId theme { code } pillar { code } } } }
          exchangeRates { edges { node { currency } } }
          inventory(country: ["GTM"]) { edges { node { restId } } }
          inventoryItem(id: $gap) { title { es } }
          priorities { rank theme { code } countries { code } }
          events(kind: [LEARNING_EVENT], country: ["GTM"]) { edges { node { restId } } }
          outcomes(kind: RESOURCE_COMMITMENT) { edges { node { pledge { restId } } } }
          gaps(country: "GTM") { countries { coveragePercent } }
          fundingSummary(groupBy: [COUNTRY, YEAR]) {
            totals { pledged { amount } } rows { group { dimension value } }
          }
          synthesis(period: "2022-H2") {
            period newPledgesCount totals { pledged { amount } } asOf restated
          }
          byMechanism: fundingSummary(groupBy: [FUNDING_MECHANISM]) { rows { pledges } }
          themes { code }
          pillars { code name { en } }
          populations { code }
        }""",
        {"org": world.contributor["id"], "gap": world.gap["id"]},
    )

    assert data["organisation"]["pledges"]["edges"] == [{"node": {"restId": world.pledge["id"]}}]
    assert data["organisations"]["edges"] == [{"node": {"name": "España"}}]
    assert data["objectives"]["edges"] == [
        {
            "node": {
                "restId": world.other_objective["id"],
                "theme": {"code": "education"},
                "pillar": {"code": "host_support"},
            }
        }
    ]
    assert data["inventory"]["edges"] == [{"node": {"restId": world.gap["id"]}}]
    assert data["inventoryItem"] == {"title": {"es": "Sin acceso a empleo formal"}}
    assert data["priorities"][0]["theme"]["code"] == "employment_livelihoods"
    assert data["events"]["edges"] == [{"node": {"restId": world.event["id"]}}]
    assert data["outcomes"]["edges"] == [{"node": {"pledge": {"restId": world.pledge["id"]}}}]
    assert data["fundingSummary"]["totals"]["pledged"]["amount"].startswith("400000")
    assert data["synthesis"]["newPledgesCount"] == 1
    assert data["synthesis"]["asOf"] is not None
    assert data["synthesis"]["restated"] is True  # recorded now, dated in 2022
    assert sum(row["pledges"] for row in data["byMechanism"]["rows"]) == 1
    assert len(data["pillars"]) == 4


async def test_connections_page_with_first_and_after(stack: Stack) -> None:
    organisation = await stack.organisation()
    for index in range(5):
        await stack.pledge(organisation["id"], title={"en": f"Pledge {index}"})
    page = """query($after: String) { pledges(first: 2, after: $after) {
      pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { cursor node { restId } } } }"""

    seen: list[str] = []
    after = None
    for _ in range(3):
        data = (await stack.data(page, {"after": after}))["pledges"]
        seen.extend(edge["node"]["restId"] for edge in data["edges"])
        after = data["pageInfo"]["endCursor"]
    assert len(seen) == 5 == len(set(seen))
    assert data["pageInfo"]["hasNextPage"] is False

    first_two = (await stack.data(page, {"after": None}))["pledges"]
    stack.reset_counts()
    middle = (await stack.data(page, {"after": first_two["edges"][0]["cursor"]}))["pledges"]
    assert [edge["node"]["restId"] for edge in middle["edges"]] == seen[1:3]
    # Well within the page-size bound, continuing after a middle edge is one call.
    assert len(stack.calls("pledges")) == 1


async def test_continuing_again_and_again_from_a_middle_edge_walks_the_whole_list(
    run_app: RunApp, database_url_for: DatabaseUrlFor
) -> None:
    stack = await start_stack(run_app, database_url_for, max_page_size=3)
    organisation = await stack.organisation()
    created = [(await stack.pledge(organisation["id"]))["id"] for _ in range(8)]
    page = """query($after: String) { pledges(first: 3, after: $after) {
      pageInfo { hasNextPage hasPreviousPage } edges { cursor node { restId } } } }"""

    # Each time, continue after the SECOND edge of the page: a "load more from here".
    walked: list[str] = []
    after = None
    calls = []
    for _ in range(6):
        stack.reset_counts()
        data = (await stack.data(page, {"after": after}))["pledges"]
        calls.append(len(stack.calls("pledges")))
        ids = [edge["node"]["restId"] for edge in data["edges"]]
        walked.extend(ids[:2] if len(ids) > 2 else ids)
        if len(ids) < 2:
            break
        after = data["edges"][1]["cursor"]

    assert walked == created
    assert data["pageInfo"]["hasPreviousPage"] is True
    # Past the bound (second edge + three more > 3), the service's cursor is looked up
    # first: two calls for each page after the first — one for the last, where the lookup
    # already finds the end of the list.
    assert calls == [1, 2, 2, 2, 1]


async def test_a_garbage_cursor_is_bad_user_input(stack: Stack) -> None:
    body = await stack.query('{ pledges(after: "not-a-cursor") { totalCount } }')

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_id_of_the_wrong_type_is_bad_user_input(stack: Stack, world: World) -> None:
    listed = await stack.data("{ events { edges { node { id } } } }")
    event_id = listed["events"]["edges"][0]["node"]["id"]

    body = await stack.query("query($id: ID!) { pledge(id: $id) { restId } }", {"id": event_id})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Pledge" in body["errors"][0]["message"]


async def test_scheduling_conflicts_suggestions_timeline_and_occurrences(stack: Stack) -> None:
    series = await stack.event(
        kind="working_group_meeting",
        title={"es": "Grupo de trabajo de empleo"},
        starts_at="2023-03-14T10:00:00",
        ends_at="2023-03-14T11:00:00",
        timezone="America/Mexico_City",
        working_group="employment",
        recurrence={"rrule": "FREQ=MONTHLY;COUNT=3"},
    )

    data = await stack.data(
        """query($id: ID!) {
          scheduleConflicts(
            startsAt: "2023-03-14T11:00:00", endsAt: "2023-03-14T12:00:00",
            timezone: "America/Panama"
          ) { startsAtUtc clashes { kind localStartsAt event { restId } } }
          scheduleSuggestions(input: {
            durationMinutes: 60, windowStart: "2023-03-14", windowEnd: "2023-03-14",
            timezone: "America/Mexico_City", workingGroups: ["employment"], count: 2,
            workingHoursStart: "10:00:00", workingHoursEnd: "12:00:00"
          }) { startsAt nearestClashes { workingGroup } }
          timeline(year: 2023) {
            months { month total counts { kind count } entries { event { restId } } }
          }
          event(id: $id) { occurrences { recurrenceId startsAt status } }
        }""",
        {"id": series["id"]},
    )

    (clash,) = data["scheduleConflicts"]["clashes"]
    assert clash["event"] == {"restId": series["id"]}
    assert clash["localStartsAt"].startswith("2023-03-14T10:00:00")
    (slot,) = data["scheduleSuggestions"][:1]
    assert slot["startsAt"].startswith("2023-03-14T11:00:00")
    months = {month["month"]: month for month in data["timeline"]["months"]}
    assert months["2023-03"]["counts"] == [{"kind": "WORKING_GROUP_MEETING", "count": 1}]
    assert len(data["event"]["occurrences"]) == 3

    cancelled = await stack.data(
        """mutation($id: ID!) { cancelOccurrence(input: {
          eventId: $id, recurrenceId: "2023-04-14T16:00:00Z", reason: "Holiday"
        }) { status cancellationReason } }""",
        {"id": series["id"]},
        headers=SECRETARIAT,
    )
    assert cancelled["cancelOccurrence"] == {"status": "CANCELLED", "cancellationReason": "Holiday"}


async def test_practice_versions_and_transitions(stack: Stack) -> None:
    practice = await stack.practice()

    data = await stack.data(
        """query($id: ID!) { practice(id: $id) {
          versions { number kind changedFields }
          transitions { fromStatus toStatus actor }
        } }""",
        {"id": practice["id"]},
        headers=SECRETARIAT,
    )

    assert data["practice"]["versions"][0]["number"] == 1
    assert [step["toStatus"] for step in data["practice"]["transitions"]] == [
        "SUBMITTED",
        "PUBLISHED",
    ]


async def test_facet_counts_are_asked_of_the_service_only_when_selected(stack: Stack) -> None:
    await stack.practice()
    stack.reset_counts()

    await stack.data("{ practices { totalCount } }")
    with_fragment = await stack.data(
        "{ practices { ...Counts } }"
        " fragment Counts on PracticeConnection { facets { theme { value count } } }"
    )

    without, with_facets = stack.calls("practices")
    assert "facets=false" in str(without.url)
    assert "facets=true" in str(with_facets.url)
    assert with_fragment["practices"]["facets"]["theme"] == [
        {"value": "employment_livelihoods", "count": 1}
    ]
